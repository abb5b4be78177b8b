"""The replay check's own engine: one autocommitted statement per signed request, committed for every replica."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.pool import NullPool

from bot.db.engine import make_quick_writes_engine
from bot.db.models import SeenSlackRequest
from bot.db.seen_requests import first_sighting, forget_expired
from bot.db.upsert import insert_ignore_statement, inserted

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def replay_engine(database_url, sessions):  # `sessions`: the tables are emptied after the test
    quick = make_quick_writes_engine(database_url)
    yield quick
    quick.dispose()


def _stored(engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(SeenSlackRequest)))


def test_a_request_is_recorded_once_and_every_other_connection_sees_it_at_once(replay_engine, engine):
    assert first_sighting(replay_engine, "a" * 64, NOW + timedelta(minutes=5)) is True
    assert _stored(engine) == 1  # committed by the statement itself: another replica's pool sees it
    assert first_sighting(replay_engine, "a" * 64, NOW + timedelta(minutes=5)) is False
    assert first_sighting(replay_engine, "b" * 64, NOW - timedelta(minutes=1)) is True
    forget_expired(replay_engine, NOW)
    assert _stored(engine) == 1


def test_the_statement_runs_without_a_transaction_around_it(replay_engine):
    with replay_engine.connect() as connection:
        driver = connection.connection.dbapi_connection
        if connection.dialect.name == "sqlite":
            assert driver.isolation_level is None  # sqlite3 sends no BEGIN
        else:
            assert driver.autocommit is True  # psycopg sends no BEGIN and no COMMIT
    assert replay_engine.pool._pre_ping is False  # no round trip before it either


@pytest.mark.postgres_only
def test_only_the_replay_records_skip_waiting_for_the_disk(replay_engine, engine):
    def settings(of) -> tuple[str, str]:
        with of.connect() as connection:
            return (
                connection.exec_driver_sql("SHOW synchronous_commit").scalar_one(),
                connection.exec_driver_sql("SHOW jit").scalar_one(),
            )

    assert settings(replay_engine) == ("off", "off")  # and Buildboard's own session options still apply
    assert settings(engine) == ("on", "off")


def test_the_record_holds_no_write_lock_once_its_statement_returns(replay_engine, engine, database_url):
    """In a busy `serve` an ack thread waits for the interpreter lock between running its record and reading
    whether it inserted. By then the record is committed and nothing stays locked: on SQLite a RETURNING statement
    kept the file's write lock until its row was fetched, and every other ack's record slept in SQLite's busy
    handler; on PostgreSQL the record must be committed by the statement itself (an autocommit engine)."""
    statement = insert_ignore_statement(
        replay_engine.dialect.name,
        SeenSlackRequest.__table__,
        {"signature_hash": "c" * 64, "expires_at": NOW + timedelta(minutes=5)},
        key=["signature_hash"],
    )
    with replay_engine.connect() as connection:
        result = connection.execute(statement)  # the outcome not read yet
        # A connection of its own (not the shared pool's: its busy timeout is changed).
        with create_engine(database_url, poolclass=NullPool).connect() as other:
            if other.dialect.name == "sqlite":
                other.exec_driver_sql("PRAGMA busy_timeout = 0")  # a held write lock fails at once, not later
            recorded = select(func.count()).where(SeenSlackRequest.signature_hash == "c" * 64)
            assert other.scalar(recorded) == 1, "committed when the statement returns, before its outcome is read"
            other.execute(
                SeenSlackRequest.__table__.insert().values(signature_hash="d" * 64, expires_at=NOW + timedelta(hours=1))
            )
            other.commit()
        assert inserted(replay_engine.dialect.name, result) is True
    assert _stored(engine) == 2
