"""One audit row per view; "who looked at my numbers" reads the org chart as it was when the view happened.

Random organisations change (imports with moves, team changes, departures, hires and returns; ORM
moves; erasure), with the closure moved in place or rebuilt, while views of trees, teams, single
people and the whole organisation are recorded; after every step, what each person is shown is
compared with a slow reference that remembered, at each view, who was in the group (walking
people.manager_id in Python)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.db import org_chart
from bot.db.models import AuditView, OrgClosureHistory, Person, TeamHistory
from bot.domain.command_args import Target
from bot.domain.reports import ViewedGroup
from bot.ingest import people_store
from bot.services.audit import record_view, views_of, views_seen_by
from bot.services.authority import Viewer
from bot.services.erasure import erase
from bot.services.people import import_people
from bot.services.team import team_answer
from tests.conftest import NOW, make_settings
from tests.support.random_org import RandomOrg


def chart_now(session) -> tuple[dict[int, int | None], dict[int, str | None]]:
    """Everyone's manager and team key, as stored now."""
    rows = session.execute(select(Person.id, Person.manager_id, Person.team_key)).all()
    return {pid: manager for pid, manager, _ in rows}, {pid: team for pid, _, team in rows}


def below(managers: dict[int, int | None], root: int) -> set[int]:
    """Everyone below `root`, by walking each person's managers up (the slow way)."""
    found = set()
    for person in managers:
        above, steps = managers[person], 0
        while above is not None:
            if above == root:
                found.add(person)
                break
            above, steps = managers[above], steps + 1
            assert steps < 10_000, "the chart has a cycle"
    return found


class Reference:
    """Every view recorded, with the people it showed as computed from the people rows at that moment."""

    def __init__(self) -> None:
        self.shown: dict[int, set[int]] = {}  # view id → people who must see it
        self.viewer: dict[int, int | None] = {}
        self.action: dict[int, str] = {}
        self.group: dict[int, ViewedGroup] = {}

    def record(self, session, view_id: int, viewer: int | None, group: ViewedGroup, action: str) -> None:
        managers, teams = chart_now(session)
        if group.scope == "tree":
            members = below(managers, group.root_person_id)
        elif group.scope == "team":
            members = {pid for pid, team in teams.items() if team == group.team_key}
        elif group.scope == "person":
            members = {group.root_person_id}
        else:
            members = set(managers)
        self.shown[view_id] = members - {viewer}
        self.viewer[view_id] = viewer
        self.action[view_id] = action
        self.group[view_id] = group

    def forget(self, person_id: int) -> None:
        """Erasure: views of them alone go, they are taken out of the rest, their own views lose the viewer."""
        for view_id in list(self.shown):
            if self.group[view_id] == ViewedGroup("person", person_id):
                del self.shown[view_id]
                continue
            self.shown[view_id].discard(person_id)
            if self.viewer[view_id] == person_id:
                self.viewer[view_id] = None

    def seen_by(self, person_id: int) -> set[int]:
        return {view_id for view_id, members in self.shown.items() if person_id in members}


def assert_everyone_sees_what_the_reference_says(session, reference: Reference) -> None:
    ids = list(session.scalars(select(Person.id)))
    for person_id in ids:
        assert set(session.scalars(views_seen_by(person_id))) == reference.seen_by(person_id), person_id
    # What App Home shows (aggregated per viewer and action), for a few of them.
    for person_id in random.Random(len(ids)).sample(ids, min(10, len(ids))):
        names = dict(session.execute(select(Person.id, Person.name)).all())
        expected = Counter(
            (names.get(reference.viewer[v]) if reference.viewer[v] else None, reference.action[v])
            for v in reference.seen_by(person_id)
        )
        shown = Counter()
        for view in views_of(session, person_id, now=NOW + timedelta(days=1)):
            shown[(view.viewer_name, view.action)] += view.times
        assert shown == expected


def _record(session, reference: Reference, rng: random.Random, minute: int) -> None:
    managers, teams = chart_now(session)
    people = sorted(managers)
    with_reports = sorted({m for m in managers.values() if m is not None})
    kind = rng.choice(["tree", "tree", "team", "person", "everyone"])
    if kind == "tree" and with_reports:
        group, action = ViewedGroup("tree", rng.choice(with_reports)), "team"
    elif kind == "team" and any(teams.values()):
        group, action = ViewedGroup("team", team_key=rng.choice(sorted({t for t in teams.values() if t}))), "team"
    elif kind == "everyone":
        group, action = ViewedGroup("everyone"), "export"
    else:
        group, action = ViewedGroup("person", rng.choice(people)), "user"
    viewer = rng.choice(people + [None])
    written = record_view(
        session,
        viewer_id=viewer,
        viewer_slack_user_id="U0ADMIN" if viewer is None else None,
        group=group,
        action=action,
        detail=None,
        now=NOW + timedelta(minutes=minute),
    )
    if written:
        reference.record(session, session.scalar(select(func.max(AuditView.id))), viewer, group, action)


@pytest.mark.parametrize("rebuild", [False, True], ids=["moved-in-place", "rebuilt"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_who_looked_at_my_numbers_matches_a_slow_reference_through_moves_departures_and_erasure(
    sessions, seed, rebuild, monkeypatch
):
    if rebuild:  # every change of managers rebuilds the closure (as a large reorganisation does)
        monkeypatch.setattr(org_chart, "REBUILD_ABOVE", 0)
        monkeypatch.setattr(people_store, "REBUILD_ABOVE", 0)
    rng = random.Random(seed)
    org = RandomOrg(rng, 50)
    reference = Reference()
    gone: list[str] = []
    minute = 0
    with sessions.begin() as session:
        import_people(session, org.records(), now=NOW)
    changes = ["import", "import", "import", "orm_move", "orm_move", "erase", "erase"]
    rng.shuffle(changes)  # every kind of change, in a random order
    for action in changes:
        with sessions.begin() as session:
            for _ in range(rng.randint(3, 8)):
                minute += 1
                _record(session, reference, rng, minute)
        with sessions.begin() as session:
            if action == "import":
                before = set(org.managers)
                org.change(moves=rng.randint(1, 6), departures=rng.randint(0, 3), hires=rng.randint(0, 4))
                gone += sorted(before - set(org.managers))
                if gone and rng.random() < 0.5:
                    org.come_back(gone.pop())
                import_people(session, org.records(), now=NOW)  # teams are drawn again: some change
            elif action == "orm_move":
                managers, _ = chart_now(session)
                mover = rng.choice(sorted(managers))
                allowed = sorted(set(managers) - below(managers, mover) - {mover})
                session.get(Person, mover).manager_id = rng.choice(allowed) if allowed else None
            else:
                listed = list(session.scalars(select(Person.id).where(Person.email.is_not(None)).order_by(Person.id)))
                victim = rng.choice(listed)
                email = session.get(Person, victim).email
                erase(session, session.get(Person, victim), now=NOW)
                reference.forget(victim)
                if email in org.managers:
                    org.leave(email)
        with sessions() as session:
            assert_everyone_sees_what_the_reference_says(session, reference)
    with sessions() as session:
        # One row per view, whatever the size of the group.
        assert session.scalar(select(func.count()).select_from(AuditView)) == len(reference.shown)


def _people(session, chart: dict[str, str | None], teams: dict[str, str] | None = None) -> dict[str, int]:
    ids: dict[str, int] = {}
    for name, manager in chart.items():
        person = Person(
            email=f"{name}@example.com",
            name=name.title(),
            slack_user_id=f"U0{name.upper()}",
            team=(teams or {}).get(name),
            manager_id=ids[manager] if manager else None,
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(person)
        session.flush()
        ids[name] = person.id
    return ids


def test_a_move_between_managers_is_seen_on_both_sides(sessions, database_url):
    settings = make_settings(database_url)
    with sessions.begin() as session:
        # Ann manages Max and Mia; Xavier reports to Max, Yara to Mia, Walt to Max.
        ids = _people(session, {"ann": None, "max": "ann", "mia": "ann", "xavier": "max", "yara": "mia", "walt": "max"})
    ann = Viewer(ids["ann"], False, "U0ANN")

    def ask(user: str, minute: int) -> None:
        with sessions.begin() as session:
            answer = team_answer(session, ann, Target(user_id=user), 1, settings, now=NOW + timedelta(minutes=minute))
            assert answer.report is not None

    def seen(name: str) -> list[str]:
        with sessions() as session:
            return sorted(
                session.scalars(
                    select(AuditView.detail).where(AuditView.id.in_(views_seen_by(ids[name]))).order_by(AuditView.id)
                )
            )

    ask("U0MAX", 1)  # Max's tree before the move: Xavier and Walt
    with sessions.begin() as session:
        session.get(Person, ids["xavier"]).manager_id = ids["mia"]
    ask("U0MIA", 2)  # Mia's tree after the move: Xavier and Yara
    ask("U0MAX", 3)  # Max's tree after the move: Walt only

    with sessions() as session:
        details = dict(session.execute(select(AuditView.id, AuditView.detail)).all())
        assert len(details) == 3  # one row per view
    before_max, after_mia, after_max = sorted(details)
    with sessions() as session:
        assert set(session.scalars(views_seen_by(ids["xavier"]))) == {before_max, after_mia}  # not after_max
        assert set(session.scalars(views_seen_by(ids["walt"]))) == {before_max, after_max}
        assert set(session.scalars(views_seen_by(ids["yara"]))) == {after_mia}
        assert set(session.scalars(views_seen_by(ids["ann"]))) == set()  # her own views
        [xavier_sees] = views_of(session, ids["xavier"], now=NOW + timedelta(minutes=5))
        assert (xavier_sees.viewer_name, xavier_sees.action, xavier_sees.times) == ("Ann", "team", 2)
        assert xavier_sees.last_at == NOW + timedelta(minutes=2)
    assert seen("xavier") == sorted([details[before_max], details[after_mia]])


def test_a_team_view_is_seen_by_the_team_as_it_was(sessions):
    with sessions.begin() as session:
        ids = _people(session, {"ann": None, "bo": "ann", "cy": "ann"}, teams={"bo": "Platform", "cy": "Research"})

    def view(minute: int) -> None:
        with sessions.begin() as session:
            record_view(
                session,
                viewer_id=ids["ann"],
                group=ViewedGroup("team", team_key="platform"),
                action="team",
                detail="Team Platform",
                now=NOW + timedelta(minutes=minute),
            )

    view(1)
    with sessions.begin() as session:  # Cy joins Platform, Bo leaves it
        session.get(Person, ids["cy"]).team = "PLATFORM"
        session.get(Person, ids["bo"]).team = "Research"
    view(2)
    with sessions() as session:
        first, second = sorted(session.scalars(select(AuditView.id)))
        assert set(session.scalars(views_seen_by(ids["bo"]))) == {first}
        assert set(session.scalars(views_seen_by(ids["cy"]))) == {second}
        closed = session.scalar(select(func.count()).select_from(TeamHistory).where(TeamHistory.valid_to.is_not(None)))
        assert closed == 2  # each change ended one row


def test_forgetting_a_manager_keeps_their_reports_views_and_unlinks_them(sessions, database_url):
    with sessions.begin() as session:
        ids = _people(session, {"ann": None, "max": "ann", "xavier": "max"}, teams={"max": "Platform"})
    for group in (ViewedGroup("tree", ids["max"]), ViewedGroup("person", ids["max"])):
        with sessions.begin() as session:
            record_view(session, viewer_id=ids["ann"], group=group, action="team", detail=None, now=NOW)
    with sessions.begin() as session:
        erase(session, session.get(Person, ids["max"]), now=NOW)
    with sessions() as session:
        # Xavier still sees that Ann looked at the tree he was in; Max's view of himself alone is gone.
        [seen] = views_of(session, ids["xavier"], now=NOW)
        assert (seen.viewer_name, seen.times) == ("Ann", 1)
        assert session.scalar(select(func.count()).select_from(AuditView)) == 1
        # Nothing in the history leads to Max's row any more (his usage stays on it, anonymously).
        assert not session.scalars(
            select(OrgClosureHistory.id).where(
                (OrgClosureHistory.ancestor_id == ids["max"]) | (OrgClosureHistory.descendant_id == ids["max"])
            )
        ).all()
        assert session.execute(
            select(TeamHistory.team_key, TeamHistory.valid_to).where(TeamHistory.person_id == ids["max"])
        ).all() == [(None, None)]
        assert session.scalar(select(AuditView.root_person_id)) < 0
