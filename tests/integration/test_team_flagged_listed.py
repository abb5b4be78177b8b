"""A team answer lists its 15 highest-spending flagged people and counts the rest (a kept report holds no more)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.models import Person
from bot.domain.command_args import Target
from bot.domain.periods import IsoWeek
from bot.domain.reports import FLAGGED_LISTED
from bot.services.authority import Viewer
from bot.services.team import team_answer
from bot.slack.blocks.team import team_blocks
from tests.conftest import NOW
from tests.support.organisation import load_people
from tests.support.usage_rows import add_usage

W47 = IsoWeek(2026, 47)
FLAGGED = 22


def test_the_highest_spenders_of_those_flagged_are_listed_and_everyone_flagged_is_counted(rt, tmp_path):
    people = tmp_path / "people.csv"
    rows = ["email,name,team,manager_email,slack_user_id,timezone", "boss@example.com,Boss,Lead,,UBOSS,"]
    rows += [f"p{i}@example.com,Person {i},Core,boss@example.com,UP{i}," for i in range(FLAGGED)]
    people.write_text("\n".join(rows) + "\n")
    load_people(rt.sessions, people)
    # Everyone spends at least $50 in each of W45–W47 with nothing to show: flagged; p21 spends the most.
    for i in range(FLAGGED):
        for weeks_back in (2, 1, 0):
            add_usage(rt.sessions, f"p{i}@example.com", W47.start - timedelta(weeks=weeks_back), str(60 + i))
    with rt.sessions.begin() as session:
        boss = session.scalars(select(Person.id).where(Person.email == "boss@example.com")).one()
        report = team_answer(session, Viewer(boss, False), Target(), 3, rt.settings, now=NOW).report
    assert report is not None
    assert report.flagged_count == FLAGGED and report.people_with_numbers == FLAGGED
    assert [line.name for line, _ in report.flagged] == [f"Person {i}" for i in range(21, 21 - FLAGGED_LISTED, -1)]
    assert all(flags[0].kind == "unexplained_spend" for _, flags in report.flagged)
    flags_text = next(
        b["text"]["text"] for b in team_blocks(report) if b.get("text", {}).get("text", "").startswith("*Flags")
    )
    assert flags_text.endswith(f"…and {FLAGGED - FLAGGED_LISTED} more")
    assert flags_text.count("•") == FLAGGED_LISTED
