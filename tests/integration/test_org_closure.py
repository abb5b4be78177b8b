"""org_closure always equals the transitive closure of people.manager_id, whatever changed the chart.

Random organisations go through imports (new people, moves, departures, people coming back),
erasure, ORM edits and bulk inserts; after each step the table is compared with a slow reference
computed in Python from the people rows, and the authority queries with the reference's answers.
"""

from __future__ import annotations

import random

import pytest
from sqlalchemy import insert, select, update

from bot.db import org_chart
from bot.db.models import OrgChartVersion, OrgClosure, OrgClosureHistory, Person
from bot.services import authority
from bot.services.authority import Viewer
from bot.services.erasure import erase
from bot.services.people import import_people
from tests.conftest import NOW
from tests.support.random_org import RandomOrg


def reference_closure(session) -> set[tuple[int, int, int]]:
    """(ancestor, descendant, depth) for every pair, walking manager_id one person at a time."""
    managers = dict(session.execute(select(Person.id, Person.manager_id)).all())
    pairs = set()
    for person in managers:
        depth, above = 1, managers[person]
        while above is not None:
            pairs.add((above, person, depth))
            depth, above = depth + 1, managers[above]
            assert depth < 10_000, "the chart has a cycle"
    return pairs


def stored_closure(session) -> set[tuple[int, int, int]]:
    rows = session.execute(select(OrgClosure.ancestor_id, OrgClosure.descendant_id, OrgClosure.depth))
    return set(rows.all())


def assert_closure_matches(sessions) -> None:
    with sessions() as session:
        expected = reference_closure(session)
        assert stored_closure(session) == expected
        # The authority answers read the table; they must agree with the reference too.
        ids = list(session.scalars(select(Person.id)))
        for person in random.Random(len(expected)).sample(ids, min(12, len(ids))):
            below = {d for a, d, _ in expected if a == person}
            assert set(session.scalars(authority.below(person))) == below
            assert authority.reports_count(session, person) == len(below)
            viewer = Viewer(person, False)
            assert authority.may_see(session, viewer, sorted(below | {person}))
            outside = set(ids) - below - {person}
            if outside:
                assert not authority.may_see(session, viewer, [min(outside)])


_HELD = select(OrgClosure.ancestor_id, OrgClosure.descendant_id, OrgClosure.valid_from)


def _import(sessions, org: RandomOrg):
    with sessions.begin() as session:
        return import_people(session, org.records(), now=NOW)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_imports_with_moves_departures_and_returns_keep_the_closure(sessions, seed):
    rng = random.Random(seed)
    org = RandomOrg(rng, 80)
    _import(sessions, org)
    assert_closure_matches(sessions)
    gone: list[str] = []
    for _ in range(6):
        before = set(org.managers)
        org.change(moves=rng.randint(0, 8), departures=rng.randint(0, 4), hires=rng.randint(0, 6))
        gone += sorted(before - set(org.managers))
        if gone and rng.random() < 0.5:
            org.come_back(gone.pop())
        _import(sessions, org)
        assert_closure_matches(sessions)


def test_a_reorganisation_larger_than_the_in_place_limit_rebuilds_the_closure(sessions):
    rng = random.Random(9)
    org = RandomOrg(rng, org_chart.REBUILD_ABOVE * 2)
    _import(sessions, org)
    org.change(moves=org_chart.REBUILD_ABOVE + 50, departures=30, hires=40)
    _import(sessions, org)
    assert_closure_matches(sessions)


def test_a_rebuild_writes_only_the_pairs_that_changed(sessions):
    """Pairs held before and after a rebuild keep their valid_from; only the pairs that ended join the history."""
    rng = random.Random(11)
    org = RandomOrg(rng, org_chart.REBUILD_ABOVE * 2)
    _import(sessions, org)
    with sessions() as session:
        before = {(a, d): since for a, d, since in session.execute(_HELD)}
        assert not session.execute(select(OrgClosureHistory.id)).all()
    org.change(moves=org_chart.REBUILD_ABOVE + 50, departures=0, hires=0)
    _import(sessions, org)
    assert_closure_matches(sessions)
    with sessions() as session:
        version = session.scalar(select(OrgChartVersion.version))
        after = {(a, d): since for a, d, since in session.execute(_HELD)}
        ended = session.execute(
            select(
                OrgClosureHistory.ancestor_id,
                OrgClosureHistory.descendant_id,
                OrgClosureHistory.valid_from,
                OrgClosureHistory.valid_to,
            )
        ).all()
    kept = before.keys() & after.keys()
    assert kept and len(kept) < len(before)  # a real reorganisation: some pairs stay, some end
    assert {pair: after[pair] for pair in kept} == {pair: before[pair] for pair in kept}
    # The new pairs are held from the rebuild's version, at which the ended ones end.
    [rebuilt] = {since for pair, since in after.items() if pair not in kept}
    assert max(before.values()) < rebuilt <= version
    assert sorted(ended) == sorted((a, d, since, rebuilt) for (a, d), since in before.items() if (a, d) not in kept)


def test_managers_swapping_places_in_one_import(sessions):
    org = RandomOrg(random.Random(4), 0)
    org.managers = {"a@x.com": None, "b@x.com": "a@x.com", "c@x.com": "b@x.com", "d@x.com": "c@x.com"}
    _import(sessions, org)
    org.managers = {"b@x.com": None, "a@x.com": "b@x.com", "d@x.com": "a@x.com", "c@x.com": "d@x.com"}
    _import(sessions, org)
    assert_closure_matches(sessions)


@pytest.mark.parametrize("seed", [5, 6])
def test_erasure_keeps_the_closure(sessions, seed):
    rng = random.Random(seed)
    org = RandomOrg(rng, 60)
    _import(sessions, org)
    for _ in range(5):
        with sessions.begin() as session:
            ids = list(session.scalars(select(Person.id).where(Person.email.is_not(None))))
            erase(session, session.get(Person, rng.choice(ids)), now=NOW)
        assert_closure_matches(sessions)
    # The next import puts everyone still listed back where the file says.
    with sessions() as session:
        remaining = set(session.scalars(select(Person.email).where(Person.email.is_not(None))))
    for email in [e for e in org.managers if e not in remaining]:
        org.leave(email)
    _import(sessions, org)
    assert_closure_matches(sessions)


def test_orm_edits_and_bulk_statements_keep_the_closure(sessions):
    rng = random.Random(8)
    _import(sessions, RandomOrg(rng, 40))
    with sessions.begin() as session:
        people = list(session.scalars(select(Person).order_by(Person.id)))
        # A new person below someone, through the relationship.
        session.add(
            Person(email="new@x.com", name="New", team="Red", manager=people[5], created_at=NOW, updated_at=NOW)
        )
        # A move through the attribute: a person to the top of the chart, another below a leaf.
        people[3].manager_id = None
        leaf = people[-1]
        mover = next(
            p
            for p in people
            if p.id not in (leaf.id, people[3].id)
            and p.manager_id is not None
            and leaf.id not in {d for (d,) in session.execute(authority.below(p.id))}  # no cycle
        )
        mover.manager_id = leaf.id
        moved = mover.id
    assert_closure_matches(sessions)
    with sessions() as session:
        assert moved in {d for (d,) in session.execute(authority.below(leaf.id))}  # the move really happened
    with sessions.begin() as session:
        root = session.scalars(select(Person.id).order_by(Person.id)).first()
        session.execute(
            insert(Person),
            [
                {
                    "email": f"bulk{n}@x.com",
                    "name": "B",
                    "team": "Blue",
                    "manager_id": root,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for n in range(5)
            ],
        )
    assert_closure_matches(sessions)
    with sessions.begin() as session:
        session.execute(update(Person).where(Person.email.like("bulk%")).values(manager_id=None))
    assert_closure_matches(sessions)
    with sessions.begin() as session:
        session.delete(session.scalars(select(Person).where(Person.email == "new@x.com")).one())
        top = session.get(Person, root)
        session.delete(top)
    assert_closure_matches(sessions)


def test_rebuild_gives_the_same_table(sessions):
    _import(sessions, RandomOrg(random.Random(11), 120))
    with sessions.begin() as session:
        before = stored_closure(session)
        org_chart.rebuild_org_closure(session)
        assert stored_closure(session) == before == reference_closure(session)


@pytest.mark.postgres_only  # SQLite's recursive walk stops at MAX_DEPTH and fails on the repeated pairs instead
def test_a_cycle_in_the_stored_chart_ends_the_rebuild_in_an_error(sessions):
    _import(sessions, RandomOrg(random.Random(5), 30))
    with pytest.raises(ValueError, match="management cycle"), sessions.begin() as session:
        top, below = session.execute(
            select(Person.manager_id, Person.id).where(Person.manager_id.is_not(None)).limit(1)
        ).one()
        # Written past the import's checks and the closure's hooks: the top now reports to their own report.
        session.execute(
            update(Person).where(Person.id == top).values(manager_id=below).execution_options(**org_chart.KEPT)
        )
        org_chart.rebuild_org_closure(session)
    assert_closure_matches(sessions)  # rolled back whole
