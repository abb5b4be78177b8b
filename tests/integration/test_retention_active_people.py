"""Retention never makes "active people" of a partly folded week larger than it was."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from bot.db.models import Person
from bot.db.usage_weekly import rebuild_usage_weekly
from bot.domain.periods import IsoWeek
from bot.services.retention import retention_cutoff, run_retention
from bot.services.stats import org_week
from tests.conftest import NOW, make_settings
from tests.support.usage_rows import usage

WEEK = IsoWeek.containing(date(2026, 10, 19))  # Monday 19 to Sunday 25 October 2026
MODELS = ("gpt-4o", "gpt-4o-mini", "o3")
ORGANISATION = 240


def seed(sessions, active_on) -> int:
    """240 people; `active_on(index)` gives the days of WEEK each one used AI. Returns the true distinct count."""
    rng = random.Random(15)
    active = 0
    with sessions.begin() as session:
        people = [
            Person(email=f"p{i}@example.com", name=f"P{i}", team="T", created_at=NOW, updated_at=NOW)
            for i in range(ORGANISATION)
        ]
        session.add_all(people)
        session.flush()
        for index, person in enumerate(people):
            days = active_on(index)
            active += bool(days)
            for day in days:
                for model in rng.sample(MODELS, rng.randint(1, 2)):
                    session.add(usage(person.id, day, model=model))
        rebuild_usage_weekly(session)  # the rows above bypassed write_usage
    return active


def active_people(sessions) -> int:
    with sessions() as session:
        return org_week(session, WEEK).active_people


def fold_halfway(rt, database_url, slack) -> None:
    # NOW is 25 November: 34 days keep Thursday 22 October on, and fold Monday to Wednesday of WEEK.
    settings = make_settings(database_url, slack, retention_days=34)
    assert retention_cutoff(NOW, settings) == WEEK.start + timedelta(days=3)
    assert run_retention(rt.sessions, settings, NOW).usage_rows > 0


def days(*offsets: int) -> list[date]:
    return [WEEK.start + timedelta(days=d) for d in offsets]


@pytest.mark.parametrize("seed_number", [1, 2, 3])
def test_a_week_folded_halfway_never_has_more_active_people(rt, database_url, slack, seed_number):
    # People active on random days of the week: some only on the folded days (Mon–Wed), some only on kept ones.
    rng = random.Random(seed_number)
    truth = seed(rt.sessions, lambda _: sorted(rng.sample(days(*range(7)), rng.randint(0, 4))))
    before = active_people(rt.sessions)
    assert before == truth  # nothing folded yet: exact

    fold_halfway(rt, database_url, slack)

    after = active_people(rt.sessions)
    assert 0 < after <= before


def test_a_week_folded_halfway_keeps_its_exact_count_when_it_can_be_known(rt, database_url, slack):
    # Everyone active on a folded day (Mon–Wed) was also active on a kept day (Thu–Sun): the kept days know them all.
    patterns = [days(0, 1, 3), days(2, 4), days(5), days(0, 6), []]
    truth = seed(rt.sessions, lambda index: patterns[index % len(patterns)])
    assert truth == 192 and active_people(rt.sessions) == truth

    fold_halfway(rt, database_url, slack)

    assert active_people(rt.sessions) == truth
