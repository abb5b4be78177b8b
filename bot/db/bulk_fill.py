"""An empty table filled in bulk gets its indexes built after its rows, not row by row.

Inserting rows one at a time into a table's B-trees costs far more than sorting the rows once into a
new index (PostgreSQL's own advice for a bulk load: "Populating a Database", remove indexes and foreign
keys, add them back after). Measured at 85,000 people on a 2-CPU machine: the people rows 1.14 s into
their seven indexes and foreign key, 0.39 s with them built after; the org chart's 530,596 closure pairs
1.1 s into their two B-trees, 0.54 s. At a first people import every table it fills is empty, which is
when this pays and when nobody can be reading rows from the table anyway.

`indexes_built_after(connection, table)` does it only when all of this holds, and otherwise changes
nothing (the caller writes as before, into the indexes):
- the table holds no rows, as the caller's transaction sees it, before and after the lock below;
- PostgreSQL: the table can be locked ACCESS EXCLUSIVE at once (NOWAIT). Dropping an index takes that
  lock until the commit anyway; asking without waiting means an import never queues behind a reader (and
  every later reader behind the import): when anyone else uses the table, the rows go in the slow way;
- PostgreSQL: the database role owns the table (only the owner may drop its indexes); otherwise, the
  slow way too;
- SQLite: the caller's transaction has begun (it is the one writer; readers keep reading the committed
  table, WAL). Only indexes are dropped there: SQLite's constraints belong to the table's definition.

Everything runs inside a savepoint: should the caller's block raise, the savepoint is rolled back, so
the table has its indexes again (and none of the block's rows) whatever the caller then does. The
indexes and constraints are built from the models' own definitions (the same names and definitions
as the migrations: `tests/integration/test_bulk_fill.py` compares the catalog before and after).
Rebuilding a unique constraint or a foreign key checks every row at once, so a duplicate or a dangling
reference fails the write exactly as a row-by-row insert would.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, ForeignKeyConstraint, PrimaryKeyConstraint, Table, UniqueConstraint
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex

from bot.db.models import with_postgresql_predicates

SAVEPOINT = "buildboard_bulk_fill"
LOCK_NOT_AVAILABLE = "55P03"  # SQLSTATE of a lock NOWAIT could not take
INSUFFICIENT_PRIVILEGE = "42501"  # DDL by a role that does not own the table


@contextmanager
def indexes_built_after(connection: Connection, table: Table, *, drop_primary_key: bool = False) -> Iterator[bool]:
    """Yields True when `table`'s indexes, unique constraints and foreign keys (and its primary key, with
    `drop_primary_key`) are dropped until the block ends and rebuilt then; False when nothing was changed.

    Keep the primary key of a table others refer to (their foreign keys need it). On SQLite only the
    indexes are dropped: its constraints are part of the table's definition.
    """
    sqlite = connection.dialect.name == "sqlite"
    if not (sqlite or connection.dialect.name == "postgresql") or not _empty(connection, table):
        yield False
        return
    if sqlite and not connection.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
        # A SAVEPOINT would begin a transaction that its RELEASE commits: only inside the caller's own.
        yield False
        return
    if not sqlite:
        with_postgresql_predicates(table.metadata)  # partial indexes keep their WHERE on PostgreSQL too
    indexes = sorted(table.indexes, key=lambda index: str(index.name))
    kinds = (
        ()
        if sqlite
        else (ForeignKeyConstraint, UniqueConstraint, *((PrimaryKeyConstraint,) if drop_primary_key else ()))
    )
    constraints = [
        constraint
        for kind in kinds
        for constraint in sorted(table.constraints, key=lambda c: str(c.name))
        if type(constraint) is kind and constraint.columns
    ]
    connection.exec_driver_sql(f"SAVEPOINT {SAVEPOINT}")
    try:
        if not sqlite:  # SQLite has one writer at a time, and the caller's transaction is it
            connection.exec_driver_sql(f"LOCK TABLE {table.name} IN ACCESS EXCLUSIVE MODE NOWAIT")
        dropping = _empty(connection, table)  # rows another writer committed between the look and the lock?
        if dropping:
            for index in indexes:
                connection.execute(DropIndex(index))
            for constraint in constraints:
                connection.execute(DropConstraint(constraint))
    except DBAPIError as exc:
        # Someone else uses the table, or this role does not own it (DDL needs the owner): the rows go in
        # the ordinary way, and the lock asked for goes with the savepoint.
        if getattr(exc.orig, "sqlstate", None) not in (LOCK_NOT_AVAILABLE, INSUFFICIENT_PRIVILEGE):
            raise
        connection.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}")
        dropping = False
    if not dropping:
        connection.exec_driver_sql(f"RELEASE SAVEPOINT {SAVEPOINT}")
        yield False
        return
    try:
        yield True
        # Back in the reverse order: the primary key before the foreign keys that may refer to it.
        for constraint in reversed(constraints):
            connection.execute(AddConstraint(constraint))
        for index in indexes:
            connection.execute(CreateIndex(index))
    except BaseException:
        connection.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}")
        connection.exec_driver_sql(f"RELEASE SAVEPOINT {SAVEPOINT}")
        raise
    connection.exec_driver_sql(f"RELEASE SAVEPOINT {SAVEPOINT}")


def _empty(connection: Connection, table: Table) -> bool:
    return connection.exec_driver_sql(f"SELECT 1 FROM {table.name} LIMIT 1").first() is None
