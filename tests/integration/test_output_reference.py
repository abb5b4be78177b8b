"""Counted output in SQL against the domain rule, on random sharing: few artifacts a week, many, ties, members.

`person_output` ranks only the person-weeks that share more than the cap (the others count everything);
this checks both kinds, several weeks at once, a narrowed group and every cap from 1 to 4 against
`person_week_work_units`, the rule written once in Python.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.db.models import Artifact, Person
from bot.db.output import output_by_week, person_output
from bot.domain.claims import ClaimRules, person_week_work_units
from tests.conftest import NOW
from tests.support.llm import W47
from tests.support.organisation import load_org

WEEKS = [W47.previous().previous(), W47.previous(), W47]


@pytest.fixture
def shared(rt):
    """Random artifacts: per person and week 0 to 6 of them, some shared at the same instant (ties go by id)."""
    load_org(rt.sessions)
    rng = random.Random(20)
    by_week: dict[tuple[int, object], list[tuple[object, int, Decimal]]] = {}
    with rt.sessions.begin() as session:
        people = list(session.scalars(select(Person.id).order_by(Person.id)))
        for week in WEEKS:
            for person_id in people:
                for n in range(rng.choice([0, 1, 1, 2, 3, 3, 4, 5, 6])):
                    # Some at the same instant: sharing order then falls back to the id.
                    at = NOW - (W47.start - week.start) + timedelta(minutes=rng.choice([n, n, 0]))
                    units = Decimal(rng.choice(["0", "0.5", "1", "2", "3.5", "13"]))
                    artifact = Artifact(
                        person_id=person_id,
                        week_start=week.start,
                        title=f"A{person_id}-{week}-{n}",
                        kind="tool",
                        work_units=units,
                        work_units_source="default",
                        created_at=at,
                        updated_at=at,
                    )
                    session.add(artifact)
                    session.flush()
                    by_week.setdefault((person_id, week.start), []).append((at, artifact.id, units))
    return rt, people, {key: [units for _, _, units in sorted(rows)] for key, rows in by_week.items()}


@pytest.mark.parametrize("cap", [1, 2, 3, 4])
def test_person_output_agrees_with_the_domain_rule_whatever_the_cap(shared, cap):
    rt, people, in_order = shared
    rules = ClaimRules(max_counted_artifacts=cap)
    members = people[::2]
    assert any(len(units) > cap for units in in_order.values())  # both kinds of person-week are there
    assert any(0 < len(units) <= cap for units in in_order.values())
    with rt.sessions() as session:
        for group in (None, members):
            rows = session.execute(person_output([w.start for w in WEEKS], group, cap=cap)).all()
            got = {(r.person_id, r.week_start): r for r in rows}
            expected = {key: units for key, units in in_order.items() if group is None or key[0] in group}
            assert set(got) == set(expected)
            for key, units in expected.items():
                row = got[key]
                assert Decimal(row.work_units) == person_week_work_units(units, rules), key
                assert Decimal(row.shared_units) == Decimal(row.work_units)
                assert (int(row.artifacts), int(row.shared_artifacts)) == (min(cap, len(units)), len(units)), key
        by_week = output_by_week(session, [w.start for w in WEEKS], cap=cap)
    for week in WEEKS:
        lists = [units for (_, start), units in in_order.items() if start == week.start]
        artifacts, work_units, verified = by_week[week.start]
        assert artifacts == sum(min(cap, len(units)) for units in lists)
        assert work_units == sum((person_week_work_units(units, rules) for units in lists), Decimal(0))
        assert verified == 0
