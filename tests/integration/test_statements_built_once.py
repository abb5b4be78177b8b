"""`/buildboard me` and App Home read a person's figures, artifacts, coding activity, seat cost and flags through
statements built once per week (or set of weeks), the people bound when they run. Whoever they run for, the
answer must be the same people's part of the answer for everyone (or for a SELECT of the same people, as team
reports ask), week by week."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.db.models import Artifact, CodeActivityDaily, Nudge, Person, Seat, UsageDaily
from bot.db.output import counted, ranked_artifacts
from bot.db.usage_weekly import rebuild_usage_weekly
from bot.domain.periods import IsoWeek
from bot.domain.reports import CodeActivity
from bot.domain.seats import SEAT_COST_SOURCE
from bot.services import artifacts as artifacts_service
from bot.services import code_activity as code_activity_service
from bot.services import flags as flags_service
from bot.services import seats as seats_service
from bot.services import stats as stats_service
from bot.services.artifacts import weeks_artifacts
from bot.services.code_activity import code_activity_by_week
from bot.services.flags import flag_window, flags_for_people
from bot.services.seats import seat_cost_by_week
from bot.services.stats import people_weeks, person_weeks
from tests.conftest import NOW
from tests.support.usage_rows import usage

WEEK = IsoWeek.parse("2026-W47")
CAP = 3
PEOPLE = 16


def _seat_cost(person_id: int, day: date) -> UsageDaily:
    """A day's share of a Cursor seat, as the seat sync writes it."""
    return UsageDaily(
        person_id=person_id,
        day=day,
        provider="cursor",
        model="cursor_teams",
        input_tokens=0,
        cached_input_tokens=0,
        output_tokens=0,
        requests=0,
        cost_usd=Decimal("1.33"),
        cost_source=SEAT_COST_SOURCE,
        source="cursor",
        updated_at=NOW,
    )


def _organisation(session, rng: random.Random, window: list[IsoWeek]) -> list[int]:
    ids = []
    for n in range(PEOPLE):
        person = Person(email=f"p{n}@example.com", name=f"P {n}", team="T", created_at=NOW, updated_at=NOW)
        session.add(person)
        session.flush()
        ids.append(person.id)
        steady = n == 1  # spends every week and shows nothing: unexplained spend
        for week in window:
            spend = Decimal(45) if steady else Decimal(rng.choice(["0", "3", "30", "45", "400"]))
            if spend:
                session.add(usage(person.id, week.start + timedelta(days=rng.randrange(7)), cost=str(spend)))
            if steady:
                continue
            for i in range(rng.choice([0, 0, 1, 2, 5])):  # five: more than the cap, so some do not count
                session.add(
                    Artifact(
                        person_id=person.id,
                        week_start=week.start,
                        title=f"thing {i}",
                        kind="tool",
                        work_units=Decimal(rng.choice(["0.5", "1", "2"])),
                        created_at=NOW - timedelta(minutes=rng.randrange(10_000)),
                        updated_at=NOW,
                    )
                )
            if rng.random() < 0.2:
                session.add(Nudge(person_id=person.id, week_start=week.start, status="nothing_to_show", created_at=NOW))
        if n % 3:
            for day in [*WEEK.previous().days, *WEEK.days]:
                if rng.random() < 0.5:
                    session.add(
                        CodeActivityDaily(
                            person_id=person.id,
                            day=day,
                            provider=rng.choice(["claude_code", "cursor", "copilot"]),
                            sessions=rng.randrange(5),
                            lines_added=rng.randrange(500),
                            lines_removed=rng.randrange(100),
                            commits=rng.randrange(4),
                            pull_requests=rng.randrange(2),
                            agent_requests=rng.randrange(30),
                            composer_requests=rng.randrange(30),
                            chat_requests=rng.randrange(30),
                            updated_at=NOW,
                        )
                    )
        if n % 4 == 0:  # a Cursor seat nobody uses: its cost every day, and an idle-seat flag
            session.add(
                Seat(
                    person_id=person.id,
                    tool="cursor",
                    plan="cursor_teams",
                    source="cursor",
                    held_since=date(2026, 8, 1),
                    updated_at=NOW,
                )
            )
            for day in [*WEEK.previous().days, *WEEK.days]:
                session.add(_seat_cost(person.id, day))
    rebuild_usage_weekly(session)
    return ids


@pytest.fixture
def organisation(sessions, database_url, slack):
    from tests.conftest import make_settings

    settings = make_settings(database_url, slack, nudge_min_spend_usd=Decimal(20))
    with sessions.begin() as session:
        ids = _organisation(session, random.Random(47), flag_window(WEEK, settings))
    for built in (
        artifacts_service._week_artifacts_statement,
        code_activity_service._code_activity_statement,
        seats_service._seat_cost_by_week_statement,
        stats_service._person_weeks_statement,
        flags_service._evidence_of_people,
    ):
        built.cache_clear()
    return ids, settings


def test_a_persons_artifacts_are_marked_as_in_everyones_ranking(sessions, organisation):
    ids, _ = organisation
    weeks = [WEEK.previous(), WEEK]
    everyone = ranked_artifacts([w.start for w in weeks], None)
    with sessions() as session:
        expected = {(w, pid): [] for w in weeks for pid in ids}
        for artifact_id, person_id, week_start, is_counted in session.execute(
            select(everyone.c.artifact_id, everyone.c.person_id, everyone.c.week_start, counted(everyone, CAP))
            .join(Artifact, Artifact.id == everyone.c.artifact_id)
            .order_by(Artifact.created_at, Artifact.id)
        ):
            expected[IsoWeek.containing(week_start), person_id].append((artifact_id, bool(is_counted)))
        assert any(not c for rows in expected.values() for _, c in rows), "some people shared more than the cap"
        for pid in ids:
            for asked in (weeks, [WEEK], [WEEK.previous()]):  # both weeks in one statement, and each alone
                found = weeks_artifacts(session, pid, asked, CAP)
                assert {w: [(a.id, a.counted) for a in found[w]] for w in asked} == {w: expected[w, pid] for w in asked}
    built = artifacts_service._week_artifacts_statement.cache_info()
    assert built.misses == 3, "one statement for both weeks and one for each alone, whoever it ran for"


def _activity_by_hand(session, weeks: list[IsoWeek]) -> dict[IsoWeek, dict[int, CodeActivity]]:
    """The slow reference: every activity row of the weeks summed in Python."""
    rows: dict[tuple[IsoWeek, int], list[CodeActivityDaily]] = defaultdict(list)
    for row in session.scalars(select(CodeActivityDaily)):
        rows[IsoWeek.containing(row.day), row.person_id].append(row)
    found: dict[IsoWeek, dict[int, CodeActivity]] = {w: {} for w in weeks}
    for (week, pid), days in rows.items():
        if week not in found:
            continue
        cursor = [r for r in days if r.provider == "cursor"]
        copilot = [r for r in days if r.provider == "copilot"]
        found[week][pid] = CodeActivity(
            pid,
            sessions=sum(r.sessions for r in days),
            lines_added=sum(r.lines_added for r in days),
            lines_removed=sum(r.lines_removed for r in days),
            commits=sum(r.commits for r in days),
            pull_requests=sum(r.pull_requests for r in days),
            active_days=len({r.day for r in days}),
            accepted_lines=sum(r.lines_added for r in cursor),
            agent_requests=sum(r.agent_requests for r in cursor),
            composer_requests=sum(r.composer_requests for r in cursor),
            chat_requests=sum(r.chat_requests for r in cursor),
            copilot_lines_added=sum(r.lines_added for r in copilot),
            copilot_interactions=sum(r.agent_requests + r.chat_requests for r in copilot),
        )
    return found


def _seat_cost_by_hand(session, weeks: list[IsoWeek]) -> dict[IsoWeek, dict[int, Decimal]]:
    found: dict[IsoWeek, dict[int, Decimal]] = {w: {} for w in weeks}
    for row in session.scalars(select(UsageDaily).where(UsageDaily.cost_source == SEAT_COST_SOURCE)):
        week = IsoWeek.containing(row.day)
        if week in found:
            found[week][row.person_id] = found[week].get(row.person_id, Decimal(0)) + row.cost_usd
    return found


def test_a_few_peoples_weeks_are_their_part_of_everyones_week_by_week(sessions, organisation):
    """Figures, coding activity and seat cost of a few people over a few weeks (one statement each) are their
    part of everyone's, week by week; a week between two asked for is not reported."""
    ids, _ = organisation
    weeks = [WEEK.previous(), WEEK]
    apart = [WEEK.previous(2), WEEK]  # the week between them has activity and seat cost: not theirs
    every_week = [*weeks, WEEK.previous(2)]
    with sessions() as session:
        figures = {w: person_weeks(session, w) for w in every_week}
        activity = _activity_by_hand(session, every_week)
        seat_cost = _seat_cost_by_hand(session, every_week)
        assert all(figures[w] and activity[w] and seat_cost[w] for w in weeks)  # the data has each, both weeks

        def part(everyone, some, asked):
            return {w: {p: everyone[w][p] for p in some if p in everyone[w]} for w in asked}

        for some in [[pid] for pid in ids] + [ids[2:9], ids, ids + ids[:3]]:
            for asked in (weeks, apart, [WEEK]):
                assert people_weeks(session, asked, some) == part(figures, some, asked)
                assert code_activity_by_week(session, asked, some) == part(activity, some, asked)
                assert seat_cost_by_week(session, asked, some) == part(seat_cost, some, asked)
    # One statement per set of weeks, whoever it ran for.
    assert code_activity_service._code_activity_statement.cache_info().misses == 3
    assert seats_service._seat_cost_by_week_statement.cache_info().misses == 3
    assert stats_service._person_weeks_statement.cache_info().misses == 3


def test_flags_of_a_list_of_people_equal_those_of_a_select_of_them(sessions, organisation):
    ids, settings = organisation
    with sessions() as session:
        everyone = flags_for_people(session, select(Person.id), WEEK, settings)
        kinds = {flag.kind for flags in everyone.values() for flag in flags}
        assert kinds == {"unexplained_spend", "spike", "idle_seat"}, "the data raises every kind of flag"
        for some in [[pid] for pid in ids] + [ids[1:6], ids]:
            listed = flags_for_people(session, some, WEEK, settings)
            assert listed == {p: everyone[p] for p in some if p in everyone}
            assert listed == flags_for_people(session, select(Person.id).where(Person.id.in_(some)), WEEK, settings)
    assert flags_service._evidence_of_people.cache_info().misses == 1
