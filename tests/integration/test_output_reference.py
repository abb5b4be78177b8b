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

from bot.db.models import Artifact, Endorsement, Person
from bot.db.output import person_output
from bot.db.output_weekly import weekly_output_totals
from bot.domain.claims import ClaimRules, person_week_work_units
from bot.services.digest import team_figures
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
        # Endorsements of some artifacts by other people: a term of its own, capped per author and week.
        artifacts = session.execute(select(Artifact.id, Artifact.person_id, Artifact.week_start)).all()
        for artifact_id, author_id, week_start in rng.sample(artifacts, len(artifacts) // 4):
            for endorser_id in rng.sample([p for p in people if p != author_id], rng.choice([1, 2, 3])):
                session.add(
                    Endorsement(
                        artifact_id=artifact_id,
                        endorser_id=endorser_id,
                        author_id=author_id,
                        week_start=week_start,
                        created_at=NOW,
                    )
                )
    return rt, people, {key: [units for _, _, units in sorted(rows)] for key, rows in by_week.items()}


@pytest.mark.parametrize("cap", [1, 2, 3, 4])
def test_person_output_agrees_with_the_domain_rule_whatever_the_cap(shared, cap):
    rt, people, in_order = shared
    rules = ClaimRules(max_counted_artifacts=cap)
    members = people[::2]
    assert any(len(units) > cap for units in in_order.values())  # both kinds of person-week are there
    assert any(0 < len(units) <= cap for units in in_order.values())
    with rt.sessions() as session:
        for group in (members, None):  # everyone last: the sums below are the whole organisation's
            rows = session.execute(person_output([w.start for w in WEEKS], group, cap=cap)).all()
            got = {(r.person_id, r.week_start): r for r in rows}
            expected = {key: units for key, units in in_order.items() if group is None or key[0] in group}
            assert set(got) == set(expected)
            for key, units in expected.items():
                row = got[key]
                endorsed = Decimal(row.endorsement_units)
                assert Decimal(row.work_units) == person_week_work_units(units, rules, endorsement_units=endorsed), key
                assert Decimal(row.shared_units) == person_week_work_units(units, rules), key
                assert (int(row.artifacts), int(row.shared_artifacts)) == (min(cap, len(units)), len(units)), key
        assert any(Decimal(r.endorsement_units) > 0 for r in rows)
        units_of = {key: Decimal(r.work_units) for key, r in got.items()}
        by_week = weekly_output_totals(session, [w.start for w in WEEKS], cap=cap)
        teams = {t.team: t for t in team_figures(session, W47, 1, cap=cap)}
        team_of = dict(session.execute(select(Person.id, Person.team)).all())
    for week in WEEKS:
        lists = [units for (_, start), units in in_order.items() if start == week.start]
        artifacts, work_units, verified = by_week[week.start]
        assert artifacts == sum(min(cap, len(units)) for units in lists)
        assert work_units == sum((u for (_, start), u in units_of.items() if start == week.start), Decimal(0))
        assert verified == 0
    # A team's row adds its people's person-weeks (the digest sums the terms per team directly).
    per_team: dict[str, Decimal] = {}
    for (person_id, start), units in units_of.items():
        if start == W47.start:
            name = team_of[person_id] or "No team"
            per_team[name] = per_team.get(name, Decimal(0)) + units
    assert {name: row.work_units for name, row in teams.items() if row.work_units} == {
        name: units for name, units in per_team.items() if units
    }
