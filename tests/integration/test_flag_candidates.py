"""A team report reads the weeks of the people flag_candidates chooses in SQL, and the rules in bot.domain.flags
decide. The choice must never drop someone the rules flag, whatever the settings: checked here against the flags
of everyone's weeks, on random spend built to sit on the rules' edges (exactly 3× the median and a millionth of
a dollar either side, exactly the threshold and a millionth below, weeks missing), on both databases."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from statistics import median

import pytest
from sqlalchemy import select

from bot.db.models import Artifact, Nudge, Person
from bot.db.usage_weekly import rebuild_usage_weekly
from bot.domain.flags import SPIKE_FACTOR, SPIKE_TRAILING_WEEKS, WeekEvidence, flags_for
from bot.domain.periods import IsoWeek
from bot.services.flags import (
    ROUNDING_ALLOWANCE,
    SPEND,
    evidence_statement,
    flag_candidates,
    flag_window,
    flags_from_evidence,
)
from bot.services.team import Group, group_flags
from tests.conftest import NOW, make_settings
from tests.support.usage_rows import usage

LAST = IsoWeek.parse("2026-W47")
PEOPLE = 150
MILLIONTH = Decimal("0.000001")
THRESHOLD = Decimal(50)
WEEKS = 9  # as many as the longest window tried below
PALETTE = [None, None, "0", "0.000001", "0.333333", "3", "10", "49.999999", "50", "60", "400"]


def _trailing_median(trailing) -> Decimal:
    return Decimal(median([s or Decimal(0) for s in trailing]))


def _weeks_of_spend(rng: random.Random) -> list[Decimal | None]:
    """One person's spend for the WEEKS weeks ending with LAST (None: no usage that week)."""
    weeks: list[Decimal | None] = [None if c is None else Decimal(c) for c in rng.choices(PALETTE, k=WEEKS)]
    shape = rng.choice(["random", "spike edge", "steady", "steady below"])
    if shape == "spike edge":
        baseline = _trailing_median(weeks[-1 - SPIKE_TRAILING_WEEKS : -1])
        weeks[-1] = SPIKE_FACTOR * baseline + rng.choice([-MILLIONTH, Decimal(0), MILLIONTH])
    elif shape in ("steady", "steady below"):
        for i in range(WEEKS - rng.randint(1, 7), WEEKS):
            weeks[i] = THRESHOLD - (MILLIONTH if shape == "steady below" and rng.random() < 0.3 else 0)
    return weeks


@pytest.fixture
def spenders(sessions):
    """PEOPLE people in two teams, their spend, some artifacts and some "nothing to show yet" answers."""
    rng = random.Random(20261201)
    weeks = [LAST.previous(WEEKS - 1 - i) for i in range(WEEKS)]
    with sessions.begin() as session:
        for n in range(PEOPLE):
            person = Person(
                email=f"p{n}@example.com", name=f"P {n}", team="T" if n % 5 else "U", created_at=NOW, updated_at=NOW
            )
            session.add(person)
            session.flush()
            for week, spend in zip(weeks, _weeks_of_spend(rng), strict=True):
                if spend is not None and spend >= 0:  # a spike edge a millionth below $0 is no spend
                    session.add(usage(person.id, week.start + timedelta(days=rng.randrange(7)), cost=str(spend)))
                if rng.random() < 0.04:
                    session.add(
                        Artifact(
                            person_id=person.id,
                            week_start=week.start,
                            title="A thing",
                            kind="tool",
                            created_at=NOW,
                            updated_at=NOW,
                        )
                    )
                elif rng.random() < 0.04:
                    session.add(
                        Nudge(
                            person_id=person.id,
                            week_start=week.start,
                            status="nothing_to_show",
                            reason="exploring",
                            created_at=NOW,
                        )
                    )
        session.flush()
        rebuild_usage_weekly(session)  # the rows above bypassed write_usage


SETTINGS = [
    {},
    {"unexplained_weeks": 1},
    {"unexplained_weeks": 7},
    {"nudge_min_spend_usd": Decimal(0)},
    {"nudge_min_spend_usd": Decimal("49.999999"), "unexplained_weeks": 2},
]


@pytest.mark.parametrize("overrides", SETTINGS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "default")
def test_the_people_chosen_hold_every_flag_the_rules_raise(sessions, spenders, database_url, overrides):
    settings = make_settings(database_url, **overrides)
    window = flag_window(LAST, settings)
    starts = tuple(w.start for w in window)
    with sessions() as session:
        everyones_weeks = evidence_statement(select(Person.id), starts)
        expected = flags_from_evidence(session, everyones_weeks, window, settings)
        kinds = [flag.kind for flags in expected.values() for flag in flags]
        assert kinds.count("spike") >= 5 and kinds.count("unexplained_spend") >= 5, kinds
        assert group_flags(session, Group.everyone(), LAST, settings) == expected
        for team in ("T", "U"):  # 120 people, their flags from the people chosen; 30, from everyone's weeks
            members = {pid for (pid,) in session.execute(select(Person.id).where(Person.team == team))}
            flags = group_flags(session, Group.team(team.lower(), team, len(members)), LAST, settings)
            assert flags == {pid: found for pid, found in expected.items() if pid in members}
        # The choice is no wider than the rules with every explanation ignored, but for a spike within the
        # rounding allowance: it narrows the read as far as spend alone can.
        chosen = set(
            session.scalars(
                flag_candidates(
                    select(Person.id),
                    window,
                    threshold_usd=settings.nudge_min_spend_usd,
                    unexplained_weeks=settings.unexplained_weeks,
                )
            )
        )
        spend = _spend_by_person(session, everyones_weeks, window)
        unexplained = {
            pid
            for pid, weeks in spend.items()
            if flags_for(
                [WeekEvidence(w, s) for w, s in zip(window, weeks, strict=True)],
                threshold_usd=settings.nudge_min_spend_usd,
                unexplained_weeks=settings.unexplained_weeks,
            )
        }
        assert set(expected) <= unexplained <= chosen
        for pid in chosen - unexplained:
            last, baseline = spend[pid][-1], _trailing_median(spend[pid][-1 - SPIKE_TRAILING_WEEKS : -1])
            assert baseline > 0 and last > SPIKE_FACTOR * baseline * (1 - ROUNDING_ALLOWANCE), (pid, spend[pid])


def _spend_by_person(session, evidence, window) -> dict[int, list[Decimal]]:
    """Each person's spend in the weeks of `window` ($0 where none), from evidence_statement's rows."""
    index = {w.start: i for i, w in enumerate(window)}
    spend: dict[int, list[Decimal]] = {}
    for what, pid, week_start, value in session.execute(evidence):
        if what == SPEND:
            spend.setdefault(pid, [Decimal(0)] * len(window))[index[week_start]] = Decimal(value)
    return spend


def test_a_spike_is_more_than_three_times_the_median_to_the_millionth(sessions, database_url):
    """Four trailing weeks of $0.333333 ($0.999999 is three times the median): the last week flags above it only,
    with weeks missing or not."""
    settings = make_settings(database_url)
    window = flag_window(LAST, settings)
    lasts = {"0.999999": False, "1.000000": True, "0.999998": False}
    with sessions.begin() as session:
        for n, (last, _) in enumerate(lasts.items()):
            for missing in (False, True):
                person = Person(email=f"p{n}{missing}@example.com", name=f"P {n}", created_at=NOW, updated_at=NOW)
                session.add(person)
                session.flush()
                trailing = [None if missing else "0.333333"] + ["0.333333"] * 3
                for week, cost in zip(window[-5:-1], trailing, strict=True):
                    if cost is not None:
                        session.add(usage(person.id, week.start, cost=cost))
                session.add(usage(person.id, LAST.start, cost=last))
        session.flush()
        rebuild_usage_weekly(session)
    with sessions() as session:
        names = {pid: email for pid, email in session.execute(select(Person.id, Person.email))}
        flagged = {names[pid] for pid in group_flags(session, Group.everyone(), LAST, settings)}
    # With a week missing (counted as $0) the median is (0.333333 + 0.333333) / 2 all the same.
    assert flagged == {f"p1{missing}@example.com" for missing in (False, True)}
