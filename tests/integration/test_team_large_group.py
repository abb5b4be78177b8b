"""A group too large for a table: its report turns only the people it shows into lines.

`team_report` ranks only the people with output for its top builders (a heap of five) and builds lines only for
the flagged, instead of ranking and listing everyone. Checked here against the slow reference, on a random
group of 70 with ties, people who left and people with spend but nothing to show: ranking every person's line
and picking the builders and the flagged from it gives the same report.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from bot.db.models import Artifact, Person, UsageDaily
from bot.db.usage_weekly import rebuild_usage_weekly
from bot.domain.periods import IsoWeek, weeks_ending
from bot.domain.ranking import rank
from bot.domain.reports import FLAGGED_LISTED
from bot.services.flags import flags_for_people
from bot.services.team import TABLE_LIMIT, TOP_BUILDERS, Group, group_figures, team_report
from tests.conftest import NOW, make_settings
from tests.support.organisation import load_people

W47 = IsoWeek(2026, 47)
WEEKS = 4
PEOPLE = 70


def _organisation(rt, tmp_path, rng: random.Random) -> dict[str, int]:
    people = tmp_path / "people.csv"
    rows = ["email,name,team,manager_email,slack_user_id,timezone", "boss@example.com,Boss,Lead,,UBOSS,"]
    rows += [f"p{i}@example.com,Person {i},Core,boss@example.com,UP{i}," for i in range(PEOPLE)]
    people.write_text("\n".join(rows) + "\n")
    load_people(rt.sessions, people)
    with rt.sessions.begin() as session:
        ids = dict(session.execute(select(Person.email, Person.id)).all())
        window = weeks_ending(W47, 8)  # the flags' trailing weeks, and the period before
        for i in range(PEOPLE):
            person_id = ids[f"p{i}@example.com"]
            for week in window:
                if rng.random() < 0.2:
                    continue  # a week without AI
                # Few distinct amounts, so that ties on work units, cost and tokens happen.
                cost = Decimal(rng.choice((0, 20, 60, 60, 300)))
                session.add(
                    UsageDaily(
                        person_id=person_id,
                        day=week.start + timedelta(days=rng.randrange(5)),
                        provider="openai",
                        model="gpt-4o-test",
                        input_tokens=rng.choice((0, 50_000, 100_000)),
                        output_tokens=0,
                        cost_usd=cost,
                        cost_source="reported",
                        source="csv",
                        updated_at=NOW,
                    )
                )
                for n in range(rng.choice((0, 0, 1, 1, 2, 4))):  # four: more than the counted cap
                    session.add(
                        Artifact(
                            person_id=person_id,
                            week_start=week.start,
                            title=f"tool {i}-{week}-{n}",
                            description="a tool for the team",
                            kind="tool",
                            work_units=Decimal(rng.choice(("0.5", "1", "1", "2"))),
                            work_units_source="estimate",
                            created_at=NOW + timedelta(minutes=n),
                            updated_at=NOW + timedelta(minutes=n),
                        )
                    )
        rebuild_usage_weekly(session)
        # Builders who left, or were deactivated, are not top builders however much they made.
        gone = rng.sample(range(PEOPLE), 12)
        session.execute(
            update(Person).where(Person.email.in_([f"p{i}@example.com" for i in gone[:6]])).values(active=False)
        )
        session.execute(
            update(Person).where(Person.email.in_([f"p{i}@example.com" for i in gone[6:]])).values(in_org=False)
        )
    return ids


@pytest.mark.parametrize(("seed", "rank_by"), [(1, "work_units"), (2, "work_units"), (3, "spend"), (4, "tokens")])
def test_a_large_groups_builders_and_flagged_are_those_of_ranking_everyone(
    rt, tmp_path, database_url, slack, seed, rank_by
):
    ids = _organisation(rt, tmp_path, random.Random(seed))
    settings = make_settings(database_url, slack, rank_by=rank_by, nudge_min_spend_usd="50")
    group = Group.tree(ids["boss@example.com"], "your team")
    period, before = weeks_ending(W47, WEEKS), weeks_ending(W47.previous(WEEKS), WEEKS)
    with rt.sessions() as session:
        report = team_report(session, group, W47, WEEKS, settings)
        # The slow reference: every person's line, everyone ranked, everyone's flags.
        lines = [row.line() for row in group_figures(session, period, before, group, cap=3).rows]
        members = [pid for email, pid in ids.items() if email != "boss@example.com"]
        flags = flags_for_people(session, members, W47, settings, idle_seat_flags=False)
    assert len(lines) > TABLE_LIMIT and report.table is None, "the group is too large for a table"
    by_id = {line.person_id: line for line in lines}
    ranked = [by_id[stats.person_id] for stats in rank([line.stats for line in lines], settings.rank_by)]
    builders = [line for line in ranked if line.stats.artifacts > 0 and line.in_org and line.active]
    flagged = [(line, flags[line.person_id]) for line in lines if flags.get(line.person_id) and line.stats.tokens > 0]
    flagged.sort(key=lambda item: (-item[0].stats.spend_usd, item[0].person_id))

    assert report.top_builders == builders[:TOP_BUILDERS]
    assert report.flagged == flagged[:FLAGGED_LISTED] and report.flagged_count == len(flagged)
    assert report.people_with_numbers == len(lines)
    # The comparison says something: a full list of builders, someone flagged, people who left with output.
    assert len(builders) > TOP_BUILDERS and flagged
    assert any(line.stats.artifacts > 0 and not (line.in_org and line.active) for line in ranked[: TOP_BUILDERS * 2])
