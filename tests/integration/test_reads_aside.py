"""The digest's independent reads on connections of their own (bot/db/reads_aside.py): the same digest as one
connection gives, and one connection wherever another could not read what the caller's session reads."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from bot.db.models import Artifact, Person
from bot.db.reads_aside import reads_aside
from bot.services import team
from bot.services.digest import compute_digest
from bot.services.team import Group, team_report
from tests.conftest import NOW
from tests.integration.test_titles_digest import W47, build_week


class Connections:
    """The driver connections statements ran on, while recording."""

    def __init__(self, engine):
        self.engine, self.seen = engine, set()

    def _record(self, connection, *_args):
        self.seen.add(id(connection.connection.dbapi_connection))

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._record)


def postgres(rt) -> bool:
    return rt.engine.dialect.name == "postgresql"


def test_the_digest_read_aside_is_the_digest_read_in_turn(rt):
    build_week(rt.sessions)
    with rt.sessions() as session, Connections(rt.engine) as used:
        beside = compute_digest(session, W47, rt.settings)
    # One connection: a REPEATABLE READ transaction sees one snapshot, which other connections would not share.
    with rt.sessions() as session:
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"} if postgres(rt) else {})
        with Connections(rt.engine) as alone:
            in_turn = compute_digest(session, W47, rt.settings)
    assert beside == in_turn
    assert beside.leaderboard and beside.highlights and beside.totals.work_units > 0 and beside.chart
    assert len(alone.seen) == 1
    # On PostgreSQL the chart's weeks, the highlights and the teams were read on other pooled connections;
    # SQLite reads in turn.
    assert len(used.seen) > 1 if postgres(rt) else len(used.seen) == 1


def test_a_transaction_that_wrote_reads_its_own_writes_in_turn(rt):
    """Uncommitted writes are seen only by their own connection: the digest then reads everything there."""
    build_week(rt.sessions)
    with rt.sessions() as session:
        before = compute_digest(session, W47, rt.settings)
    with rt.sessions() as session:
        bob = session.scalars(select(Person).where(Person.email == "bob@example.com")).one()
        session.add(
            Artifact(
                person_id=bob.id,
                week_start=W47.start,
                title="A second tiny script",
                kind="tool",
                work_units=1,
                work_units_source="default",
                created_at=NOW + timedelta(minutes=9),
                updated_at=NOW + timedelta(minutes=9),
            )
        )
        session.flush()  # written, not committed
        with Connections(rt.engine) as used:
            after = compute_digest(session, W47, rt.settings)
        session.rollback()
    assert len(used.seen) == 1
    assert after.totals.artifacts == before.totals.artifacts + 1
    assert after.totals.work_units == before.totals.work_units + 1


def test_unflushed_changes_keep_the_reads_in_turn(rt):
    build_week(rt.sessions)
    with rt.sessions() as session:
        person = session.scalars(select(Person).limit(1)).one()
        person.name = "Renamed, not flushed"
        with reads_aside(session) as aside:
            assert not aside.concurrent
        session.rollback()
    with rt.sessions() as session, reads_aside(session) as aside:
        assert aside.concurrent == postgres(rt)


def test_a_failed_read_aside_fails_the_caller_and_leaves_no_thread(rt):
    build_week(rt.sessions)

    def broken(_session):
        raise RuntimeError("the read failed")

    with rt.sessions() as session:
        with pytest.raises(RuntimeError, match="the read failed"), reads_aside(session) as aside:
            answer = aside.ask(broken)
            aside.ask(lambda s: s.scalar(select(Person.id).limit(1)))  # asked after it: cancelled or finished
            answer.get()
    assert not [t for t in threading.enumerate() if t.name.startswith("reads-aside")]


def test_a_read_in_turn_runs_once_however_often_its_answer_is_taken(rt):
    calls = []

    def counted(session):
        calls.append(1)
        return session.scalar(select(Person.id).limit(1))

    with rt.sessions() as session:
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"} if postgres(rt) else {})
        with reads_aside(session) as aside:
            answer = aside.ask(counted)
            assert calls == []  # asked, not run: it runs where its answer is first needed
            assert answer.get() == answer.get()
    assert calls == [1]


def test_the_team_report_read_aside_is_the_report_read_in_turn(rt, monkeypatch):
    """The flags, the code and seat totals and the period before's totals, read beside the period's lines (of a
    group counted large here: the threshold is lowered to the test organisation's size)."""
    monkeypatch.setattr(team, "PEOPLE_READ_ASIDE", 1)
    build_week(rt.sessions)
    with rt.sessions() as session:
        top = session.scalars(select(Person.id).where(Person.manager_id.is_(None)).order_by(Person.id)).first()
        group = Group.tree(top, "everyone below the top")
        with Connections(rt.engine) as used:
            beside = team_report(session, group, W47, 1, rt.settings)
    with rt.sessions() as session:
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"} if postgres(rt) else {})
        with Connections(rt.engine) as alone:
            in_turn = team_report(session, group, W47, 1, rt.settings)
    assert beside == in_turn
    assert beside.totals.active_people > 0 and beside.previous.active_people > 0 and beside.top_builders
    assert len(alone.seen) == 1
    assert len(used.seen) > 1 if postgres(rt) else len(used.seen) == 1


def test_a_small_group_s_report_is_read_in_turn(rt):
    """Below PEOPLE_READ_ASIDE, threads and connections would cost more than the reads: one connection."""
    build_week(rt.sessions)
    with rt.sessions() as session:
        top = session.scalars(select(Person.id).where(Person.manager_id.is_(None)).order_by(Person.id)).first()
        group = Group.tree(top, "everyone below the top")
        assert 0 < team.group_size(session, group) < team.PEOPLE_READ_ASIDE
        with Connections(rt.engine) as used:
            report = team_report(session, group, W47, 1, rt.settings)
    assert report.totals.active_people > 0 and len(used.seen) == 1


def test_worth_it_is_asked_only_where_reading_aside_is_possible(rt):
    """A report's own test (a team report counts its group) costs a statement: not asked where the answer is
    in turn anyway (SQLite, a snapshot of its own)."""
    asked: list[bool] = []

    def worth_it() -> bool:
        asked.append(True)
        return True

    with rt.sessions() as session, reads_aside(session, worth_it=worth_it) as aside:
        assert aside.concurrent == postgres(rt)
    assert asked == ([True] if postgres(rt) else [])
    asked.clear()
    with rt.sessions() as session:
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"} if postgres(rt) else {})
        with reads_aside(session, worth_it=worth_it) as aside:
            assert not aside.concurrent
    assert asked == []


@pytest.mark.postgres_only
def test_deciding_to_read_aside_asks_the_server_nothing(rt, monkeypatch):
    """The transaction's isolation level comes from the connection's own options and the server's default read
    at connect: asking the server (`SHOW transaction_isolation`) was one more round trip of every report."""
    with rt.sessions() as session:
        session.connection()  # connected: the server's default is known

        def asked(*_args):
            raise AssertionError("the isolation level was asked of the server")

        monkeypatch.setattr(type(rt.engine.dialect), "get_isolation_level", asked)
        with reads_aside(session) as aside:
            assert aside.concurrent
    with rt.sessions() as session:
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        with reads_aside(session) as aside:
            assert not aside.concurrent
