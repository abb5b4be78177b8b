"""`/buildboard team` and `/buildboard export` read one per-person aggregate: for one manager, one answer."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal

import pytest

from bot.db.models import Person
from bot.domain.command_args import Target
from bot.services.authority import Viewer
from bot.services.team import team_answer
from bot.services.team_export import build_export
from tests.conftest import NOW, make_settings
from tests.support.organisation import load_branches


@pytest.fixture
def settings(database_url, slack):
    return make_settings(database_url, slack, admins=("gina@example.com",))


@pytest.mark.parametrize(("manager", "weeks"), [("bob", 1), ("victor", 2), ("alice", 2), ("gina", 3)])
def test_team_answer_and_export_agree(rt, settings, manager, weeks):
    ids = load_branches(rt.sessions)
    viewer = Viewer(ids[manager], manager == "gina")
    with rt.sessions() as session:
        report = team_answer(session, viewer, Target(), weeks, settings, now=NOW).report
        export, refusal = build_export(session, viewer, Target(), weeks, now=NOW, zone=settings.zone)
        emails = {person.id: person.email for person in session.query(Person)}
    assert refusal is None and report is not None and report.table is not None
    assert [str(w) for w in export.weeks] == [str(w) for w in report.weeks]

    summed: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 5)
    for row in csv.DictReader(io.StringIO(export.content)):
        figures = summed[row["email"]]
        for i, column in enumerate(("tokens", "spend_usd", "active_days", "artifacts", "work_units")):
            figures[i] += Decimal(row[column])
    answered = {
        emails[line.person_id]: [
            Decimal(line.stats.tokens),
            line.stats.spend_usd,
            Decimal(line.stats.active_days),
            Decimal(line.stats.artifacts),
            line.stats.work_units,
        ]
        for line in report.table
    }
    assert answered and summed == answered
    if manager != "gina":  # a manager's team is the people below them; gina (admin, no reports) sees everyone
        assert ids[manager] not in {line.person_id for line in report.table} and emails[ids[manager]] not in summed
    assert export.people == report.people_with_numbers == len(report.table)
    assert sum(figures[0] for figures in summed.values()) == report.totals.tokens
    assert sum(figures[1] for figures in summed.values()) == report.totals.spend_usd
