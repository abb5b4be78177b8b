"""An empty table filled in bulk gets its indexes built after its rows (bot/db/bulk_fill.py).

Checked here, on both databases where both do it: a first people import drops the indexes of people,
org_closure and team_history and builds them again (on PostgreSQL as new index objects, its constraints
too) with exactly the names and definitions the migrations made; a table someone else is
using, one that holds rows, or one the database role does not own is written the ordinary way without
waiting; a failing block or a duplicate found when the unique constraint is rebuilt leaves the table
with its indexes and none of the block's rows. The time saved is the benchmark's
(`python -m bench --db postgres --only org`).
"""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import Connection, event, make_url, text
from sqlalchemy.exc import IntegrityError

from bot.db.bulk_fill import indexes_built_after
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import Base, Person, TeamHistory
from bot.ingest.records import PersonRecord
from bot.services.people import import_people
from tests.conftest import NOW

TABLES = ("people", "org_closure", "team_history")


def _records(count: int) -> list[PersonRecord]:
    """A chart four levels deep: person i reports to person (i - 1) // 3."""
    return [
        PersonRecord(
            i + 2,
            f"p{i}@example.com",
            f"P{i}",
            f"Team {i % 5}",
            None if i == 0 else f"p{(i - 1) // 3}@example.com",
            f"U{i:06d}",
            None,
        )
        for i in range(count)
    ]


def _catalog(connection: Connection) -> set[tuple[str, str, str]]:
    """Every index and constraint of the three tables: (table, name, definition)."""
    if connection.dialect.name == "sqlite":
        return {
            (table, name, sql or "")
            for table, name, sql in connection.execute(
                text("SELECT tbl_name, name, sql FROM sqlite_master WHERE type IN ('index', 'table')"),
            )
            if table in TABLES
        }
    indexes = connection.execute(
        text("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(:t)"), {"t": list(TABLES)}
    ).all()
    constraints = connection.execute(
        text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid::regclass::text = ANY(:t)"
        ),
        {"t": list(TABLES)},
    ).all()
    return {tuple(row) for row in [*indexes, *constraints]}  # type: ignore[misc]


class DroppedIndexes:
    """The names of the indexes a block's statements dropped (SQLite's index objects have no lasting id)."""

    def __init__(self, engine):
        self.engine, self.names = engine, set()

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("DROP INDEX"):
            self.names.add(statement.split()[-1])

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)


def _index_oids(connection: Connection, table: str) -> dict[str, int]:
    return dict(
        connection.execute(
            text(
                "SELECT indexrelid::regclass::text, indexrelid::int FROM pg_index WHERE indrelid = CAST(:t AS regclass)"
            ),
            {"t": table},
        ).all()
    )


def test_a_first_import_rebuilds_every_index_as_the_migrations_made_it(engine, sessions):
    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as connection:
        catalog_before = _catalog(connection)
        oids_before = {table: _index_oids(connection, table) for table in TABLES} if postgres else {}
    with DroppedIndexes(engine) as dropped, sessions.begin() as session:
        report = import_people(session, _records(400), now=NOW)
    assert report.added == 400
    # Every index is dropped and built after the rows (on PostgreSQL the unique constraints and the keys too).
    assert dropped.names == {index.name for table in TABLES for index in Base.metadata.tables[table].indexes}
    with engine.connect() as connection:
        assert _catalog(connection) == catalog_before
        if postgres:
            for table in TABLES:
                oids = _index_oids(connection, table)
                assert oids.keys() == oids_before[table].keys()
                # Every index is a new object, not written into row by row; only people's primary key stays
                # (the other tables' foreign keys refer to it).
                rebuilt = {name for name, oid in oids.items() if oid != oids_before[table][name]}
                assert rebuilt == oids.keys() - {"pk_people"}, table
        pairs = connection.scalar(text("SELECT count(*) FROM org_closure"))
        assert pairs == sum(_depths(400))
    # The manager's foreign key is back and enforced.
    with pytest.raises(IntegrityError, match="fk_people_manager_id_people|FOREIGN KEY"), engine.begin() as connection:
        connection.execute(text("UPDATE people SET manager_id = 999999 WHERE id = (SELECT min(id) FROM people)"))
    # (the sessions fixture checks the closure and its history against the chart on teardown)


def _depths(count: int) -> list[int]:
    depth = [0] * count
    for i in range(1, count):
        depth[i] = depth[(i - 1) // 3] + 1
    return depth


@pytest.mark.postgres_only
def test_a_table_someone_reads_is_written_the_ordinary_way_without_waiting(engine, sessions):
    with engine.connect() as reader:
        people_oids = _index_oids(reader, "people")
        closure_oids = _index_oids(reader, "org_closure")
    finished = threading.Event()
    reports = []
    with engine.connect() as reader, reader.begin():
        reader.execute(text("SELECT count(*) FROM people"))  # holds people's ACCESS SHARE lock until the end

        def first_import() -> None:
            with sessions.begin() as session:
                reports.append(import_people(session, _records(300), now=NOW))
            finished.set()

        worker = threading.Thread(target=first_import)
        worker.start()
        # The import must not wait for the reader (a wait would last until the reader's transaction ends).
        assert finished.wait(timeout=60), "the import waited for a reader of people"
        worker.join()
    assert reports[0].added == 300
    with engine.connect() as connection:
        assert _index_oids(connection, "people") == people_oids  # written into its indexes
        # The closure (more managers than REBUILD_ABOVE: one rebuild) was free: its indexes came after its rows.
        assert not set(_index_oids(connection, "org_closure").values()) & set(closure_oids.values())
        assert connection.scalar(text("SELECT count(*) FROM people")) == 300


def test_a_table_holding_rows_keeps_its_indexes(engine, sessions):
    with sessions.begin() as session:
        import_people(session, _records(10), now=NOW)
    with DroppedIndexes(engine) as dropped, engine.connect() as connection, connection.begin():
        connection.execute(text("UPDATE people SET name = name"))  # a write: SQLite's transaction has begun too
        with indexes_built_after(connection, Person.__table__) as rebuilt:
            assert rebuilt is False  # only because the table holds rows
    assert dropped.names == set()


def test_sqlite_outside_a_transaction_drops_nothing(engine, sessions):
    """A SAVEPOINT outside a transaction would begin one that its RELEASE commits, the caller's rows with it."""
    with engine.connect() as connection:  # no statement yet: SQLite's own transaction has not begun
        with indexes_built_after(connection, TeamHistory.__table__, drop_primary_key=True) as rebuilt:
            connection.execute(text("INSERT INTO team_history (person_id, team_key, valid_from) VALUES (1, 'x', 1)"))
        assert rebuilt is (engine.dialect.name == "postgresql")
        connection.rollback()
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM team_history")) == 0


def test_a_failing_block_leaves_the_indexes_and_none_of_its_rows(engine, sessions):
    with engine.connect() as connection:
        catalog_before = _catalog(connection)
    with engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(text("UPDATE people SET id = id WHERE id IS NULL"))  # a write: SQLite's transaction begins
        with pytest.raises(RuntimeError, match="stop"), indexes_built_after(connection, TeamHistory.__table__) as built:
            assert built is True
            connection.execute(text("INSERT INTO team_history (person_id, team_key, valid_from) VALUES (1, 'x', 1)"))
            raise RuntimeError("stop")
        # The caller's transaction goes on, with the table as it was.
        assert connection.scalar(text("SELECT count(*) FROM team_history")) == 0
        assert _catalog(connection) == catalog_before
        connection.execute(text("INSERT INTO team_history (person_id, team_key, valid_from) VALUES (1, 'x', 1)"))
        assert connection.scalar(text("SELECT count(*) FROM team_history")) == 1
        transaction.rollback()  # (a history row without a person would fail the fixture's check)
    with engine.connect() as connection:
        assert _catalog(connection) == catalog_before


@pytest.mark.postgres_only
def test_a_duplicate_found_by_the_rebuilt_constraint_fails_the_write(engine, sessions):
    with engine.connect() as connection:
        catalog_before = _catalog(connection)
    with engine.connect() as connection, connection.begin():
        with pytest.raises(IntegrityError, match="uq_people_email"):
            with indexes_built_after(connection, Person.__table__) as built:
                assert built is True
                for name in ("A", "B"):  # the same email twice: nothing refuses it until the constraint is back
                    connection.execute(
                        text(
                            "INSERT INTO people (email, name, in_org, active, nudges_enabled, public_opt_out,"
                            " created_at, updated_at) VALUES ('same@example.com', :n, true, true, true, false,"
                            " now(), now())"
                        ),
                        {"n": name},
                    )
        assert connection.scalar(text("SELECT count(*) FROM people")) == 0
        assert _catalog(connection) == catalog_before


@pytest.mark.postgres_only
def test_a_role_that_does_not_own_the_tables_writes_the_ordinary_way(engine, sessions, database_url):
    """Only a table's owner may drop its indexes: a role granted the rows, not the tables, still imports."""
    role = f"buildboard_not_owner_{os.getpid()}"
    with engine.begin() as connection:
        connection.execute(text(f"CREATE ROLE {role} LOGIN"))
        connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
        connection.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"))
        connection.execute(text(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}"))
        before = {table: _index_oids(connection, table) for table in TABLES}
    not_owner = None
    try:
        not_owner = make_engine(make_url(database_url).set(username=role).render_as_string(hide_password=False))
        with make_session_factory(not_owner).begin() as session:
            report = import_people(session, _records(300), now=NOW)
        assert report.added == 300
    finally:
        if not_owner is not None:
            not_owner.dispose()
        with engine.begin() as connection:
            connection.execute(text(f"DROP OWNED BY {role}"))
            connection.execute(text(f"DROP ROLE {role}"))
    with engine.connect() as connection:
        assert {table: _index_oids(connection, table) for table in TABLES} == before
        assert connection.scalar(text("SELECT count(*) FROM org_closure")) == sum(_depths(300))
