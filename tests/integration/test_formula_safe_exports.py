"""`buildboard export artifacts`: an employee's artifact title never reaches an admin's spreadsheet as a formula."""

from __future__ import annotations

import csv
import io
import json

from bot.domain.periods import IsoWeek
from tests.support.artifacts import add_artifact
from tests.support.organisation import load_org

EVIL = '=HYPERLINK("https://evil.example","x")'
W47 = IsoWeek(2026, 47)


def test_an_artifact_title_written_as_a_formula_is_text_in_the_csv_and_unchanged_in_json(
    rt, monkeypatch, database_url, capsys
):
    from bot.cli import main

    load_org(rt.sessions)
    evil = add_artifact(rt.sessions, "carol@example.com", W47, EVIL, url="https://example.com/a", hours="2")
    plain = add_artifact(rt.sessions, "dan@example.com", W47, "-1+1 calculator", minute=1)
    monkeypatch.setenv("DATABASE_URL", database_url)

    assert main(["export", "artifacts", "--week", "2026-W47"]) == 0
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert rows[str(evil)]["title"] == "'" + EVIL
    assert rows[str(plain)]["title"] == "'-1+1 calculator"
    # Buildboard's own numbers stay numbers.
    assert rows[str(evil)]["hours_saved_per_week"] == "2" and rows[str(evil)]["week"] == "2026-W47"
    assert rows[str(evil)]["email"] == "carol@example.com"

    assert main(["export", "artifacts", "--week", "2026-W47", "--format", "json"]) == 0
    titles = {row["id"]: row["title"] for row in json.loads(capsys.readouterr().out)}
    assert titles == {evil: EVIL, plain: "-1+1 calculator"}  # formulas are a spreadsheet's problem, not JSON's
