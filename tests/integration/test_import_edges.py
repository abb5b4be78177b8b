"""Imports at the edges, through the `buildboard` command on a real database: departures, dry runs,
short rows, model names, empty files, JSON Lines, every problem at once, "nothing changed", round trips."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.db.models import Person, UsageDaily
from tests.conftest import DATA
from tests.fakes.openai_admin import CompletionsUsage, FakeOpenAIAdmin
from tests.support.organisation import load_people
from tests.support.sync import run_sync, snapshot, stored_usage, sync_settings

LOG_LINE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d+ (DEBUG|INFO) ")
HEADER = "date,email,provider,model,input_tokens,output_tokens,cached_input_tokens,requests,cost_usd\n"


@pytest.fixture
def cli(database_url, sessions, monkeypatch, capsys):  # sessions: the tables are emptied after each test
    monkeypatch.setenv("DATABASE_URL", database_url)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        # What the command says on stderr, without INFO/DEBUG log lines (the log level is not this test's subject).
        return code, out, "".join(line for line in err.splitlines(keepends=True) if not LOG_LINE.match(line))

    return run


def people_state(sessions) -> list[tuple]:
    with sessions() as session:
        return sorted(
            session.execute(select(Person.email, Person.name, Person.team, Person.in_org, Person.manager_id)).all()
        )


def test_an_import_that_departs_more_than_a_fifth_stops_until_allowed(cli, sessions, tmp_path):
    assert cli("org", "import", str(DATA / "people.csv"))[0] == 0
    before = people_state(sessions)
    few = tmp_path / "people.csv"
    few.write_text("".join((DATA / "people.csv").read_text().splitlines(keepends=True)[:3]))  # Alice and Bob
    code, out, err = cli("org", "import", str(few))
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [
        f"buildboard: {few} would mark 3 people of 5 (60 %) as departed, more than 20 %; nothing was imported. "
        "Check the file (see `--dry-run`), or run again with --allow-departures if that is right"
    ]
    assert people_state(sessions) == before
    code, out, _ = cli("org", "import", str(few), "--allow-departures")
    assert code == 0 and "3 departed" in out
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person).where(Person.in_org.is_(True))) == 2


def test_one_departure_of_five_needs_no_confirmation(cli, tmp_path):
    assert cli("org", "import", str(DATA / "people.csv"))[0] == 0
    lines = [line for line in (DATA / "people.csv").read_text().splitlines() if not line.startswith("carol@")]
    (tmp_path / "people.csv").write_text("\n".join(lines) + "\n")
    code, out, _ = cli("org", "import", str(tmp_path / "people.csv"))
    assert code == 0 and "1 departed" in out


def test_a_dry_run_shows_adds_updates_moves_and_departures_and_writes_nothing(cli, sessions, tmp_path):
    assert cli("org", "import", str(DATA / "people.csv"))[0] == 0
    before = people_state(sessions)
    lines = [
        line.replace("Dan Diaz,Platform,bob@example.com", "Dan Diaz,Research,erin@example.com").replace(
            "Erin Evans", "Erin Evans-Ito"
        )
        for line in (DATA / "people.csv").read_text().splitlines()
        if not line.startswith("carol@")
    ]
    lines.append("fay@example.com,Fay Fox,Research,erin@example.com,,")
    changed = tmp_path / "people.csv"
    changed.write_text("\n".join(lines) + "\n")
    code, out, err = cli("org", "import", str(changed), "--dry-run")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"{changed}: 5 people; a dry run, nothing was written:",
        "  would be added (1): fay@example.com",
        "  would be updated (name, team or time zone) (2): dan@example.com, erin@example.com",
        "  would move (team or manager) (1): dan@example.com",
        "  would be marked departed (1): carol@example.com",
    ]
    assert people_state(sessions) == before


def test_a_dry_run_says_when_the_import_would_stop_and_when_nothing_changes(cli, tmp_path):
    assert cli("org", "import", str(DATA / "people.csv"))[0] == 0
    code, out, _ = cli("org", "import", str(DATA / "people.csv"), "--dry-run")
    assert code == 0 and "  nothing would change" in out.splitlines()
    few = tmp_path / "people.csv"
    few.write_text("".join((DATA / "people.csv").read_text().splitlines(keepends=True)[:2]))
    code, out, _ = cli("org", "import", str(few), "--dry-run")
    assert code == 0 and "the import would stop here" in out and "--allow-departures" in out


def test_reimporting_the_same_people_and_usage_says_nothing_changed(cli):
    assert cli("org", "import", str(DATA / "people.csv"))[0] == 0
    code, out, _ = cli("org", "import", str(DATA / "people.csv"))
    assert code == 0 and out.startswith(f"{DATA / 'people.csv'}: 5 people (nothing changed)")
    code, out, _ = cli("usage", "import", str(DATA / "usage.csv"))
    assert code == 0 and out.strip().endswith("(8 rows new or changed)")
    code, out, err = cli("usage", "import", str(DATA / "usage.csv"))
    assert (code, err) == (0, "") and out.strip().endswith("(nothing changed)")


def test_short_rows_are_refused_with_their_lines_and_every_problem_is_listed_by_line(cli, sessions, tmp_path):
    bad = tmp_path / "people.csv"
    bad.write_text(
        "email,name,team,manager_email\na@x.com,A,T,b@x.com\nb@x.com,B,T,a@x.com\nc@x.com,C,T\nd@x.com,,T,\n"
    )
    code, out, err = cli("org", "import", str(bad))
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"buildboard: {bad}: refused, nothing was imported:",
        "  line 2, manager_email: management cycle: a@x.com → b@x.com → a@x.com",
        "  line 4, row: has fewer fields than the header (3, not 4)",
        "  line 5, name: is empty",
    ]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0
    usage = tmp_path / "usage.csv"
    usage.write_text(HEADER + "2026-11-16,bob@example.com,openai,gpt-4o,10,1\n")
    code, _, err = cli("usage", "import", str(usage))
    assert code == 2 and "line 2, row: has fewer fields than the header (6, not 9)" in err
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(UsageDaily)) == 0


def test_a_header_only_usage_file_says_so(cli, tmp_path):
    empty = tmp_path / "usage.csv"
    empty.write_text(HEADER)
    code, out, err = cli("usage", "import", str(empty))
    assert (code, err) == (0, "")
    assert out.strip() == f"{empty}: has a header but no usage rows; nothing was imported"


@pytest.mark.parametrize("name", ["usage.jsonl", "usage.ndjson", "usage.json"])
def test_json_lines_import_from_each_suffix(cli, sessions, tmp_path, name):
    load_people(sessions)
    path = tmp_path / name
    row = {"date": "2026-11-16", "email": "bob@example.com", "provider": "openai", "model": "gpt-4o"}
    path.write_text(json.dumps(row | {"input_tokens": 1000, "output_tokens": 10}) + "\n")
    code, out, err = cli("usage", "import", str(path))
    assert (code, err) == (0, "") and "1 usage row from 2026-11-16 to 2026-11-16" in out


def test_model_names_are_one_model_in_csv_imports_and_syncs(cli, sessions, database_url, tmp_path):
    load_people(sessions)
    usage = tmp_path / "usage.csv"
    usage.write_text(
        HEADER
        + "2026-11-16,bob@example.com,openai,GPT-4o,1000,10,0,1,\n"
        + "2026-11-16,bob@example.com,openai, gpt-4o ,1000,10,0,1,\n"
    )
    code, _, err = cli("usage", "import", str(usage))
    assert code == 2 and "line 3, date: bob@example.com · 2026-11-16 · openai · gpt-4o is already on line 2" in err
    usage.write_text(HEADER + "2026-11-16,bob@example.com,openai,GPT-4o,1000,10,0,1,\n")
    assert cli("usage", "import", str(usage))[0] == 0
    with FakeOpenAIAdmin() as fake:
        fake.add_user("user_bob", "bob@example.com")
        fake.completions += [
            CompletionsUsage(date(2026, 11, 20), "user_bob", "GPT-4o", 1000, 10),
            CompletionsUsage(date(2026, 11, 20), "user_bob", "gpt-4o ", 500, 5),
        ]
        settings = sync_settings(database_url, openai_fake=fake)
        report = run_sync("openai", sessions, settings, date(2026, 11, 20), date(2026, 11, 20))
        assert report.ok, report.error
        before = snapshot(sessions)
        assert run_sync("openai", sessions, settings, date(2026, 11, 20), date(2026, 11, 20)).ok
        assert snapshot(sessions) == before  # the second sync matched the stored name: nothing removed or added
    rows = stored_usage(sessions)
    assert sorted(rows) == [
        ("bob@example.com", "2026-11-16", "gpt-4o"),
        ("bob@example.com", "2026-11-20", "gpt-4o"),
    ]
    assert rows[("bob@example.com", "2026-11-20", "gpt-4o")].input_tokens == 1500


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_exports_import_unchanged_round_trip(cli, sessions, tmp_path, fmt):
    """export people / export usage → org import / usage import, into the same and into a fresh database."""
    assert cli("org", "import", str(DATA / "people.csv"))[0] == 0
    assert cli("usage", "import", str(DATA / "usage.csv"))[0] == 0
    # A departure and a reported cost, so the export carries in_org false and both cost sources.
    lines = [line for line in (DATA / "people.csv").read_text().splitlines() if not line.startswith("erin@")]
    (tmp_path / "now.csv").write_text("\n".join(lines) + "\n")
    assert cli("org", "import", str(tmp_path / "now.csv"))[0] == 0
    code, people_csv, _ = cli("export", "people")
    assert code == 0
    code, usage_out, _ = cli("export", "usage", "--format", fmt)
    assert code == 0
    people_file, usage_file = tmp_path / "people-export.csv", tmp_path / f"usage-export.{fmt}"
    people_file.write_text(people_csv)
    usage_file.write_text(usage_out)
    people_before, usage_before = people_state(sessions), snapshot(sessions)

    code, out, err = cli("org", "import", str(people_file))
    assert (code, err) == (0, "")
    assert out.splitlines()[:3] == [
        f"{people_file}: ignored columns in_org, active, nudges_enabled, public_opt_out",
        f"{people_file}: 1 person with in_org false left out (departed)",
        f"{people_file}: 4 people (nothing changed)",
    ]
    code, out, err = cli("usage", "import", str(usage_file))
    assert (code, err) == (0, "")
    assert out.strip().endswith("(nothing changed)")
    if fmt == "csv":
        assert out.splitlines()[0] == f"{usage_file}: ignored columns matched, total_tokens, cost_source, source"
    assert people_state(sessions) == people_before
    assert snapshot(sessions) == usage_before

    # Into an empty database: the same people in the org chart and the same usage, cost sources included.
    with sessions.begin() as session:
        session.execute(UsageDaily.__table__.delete())
    code, out, _ = cli("usage", "import", str(usage_file))
    assert code == 0 and "8 usage rows" in out and "(8 rows new or changed)" in out
    assert cli("export", "usage", "--format", fmt)[1] == usage_out
