"""INSERT … ON CONFLICT for the two databases we support."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from sqlalchemy import FromClause, Select, and_, or_
from sqlalchemy.orm import Session


def dialect_module(dialect: str) -> ModuleType:
    """SQLAlchemy's module of `dialect` (postgresql, else sqlite), whose insert() knows ON CONFLICT.

    Imported when a statement is built, not with this module: PostgreSQL's dialect is ~25 ms of a
    command's start-up, and a SQLite command never needs it (the engine imports the dialect it uses).
    """
    return importlib.import_module(f"sqlalchemy.dialects.{'postgresql' if dialect == 'postgresql' else 'sqlite'}")


def upsert_statement(
    dialect: str,
    table: FromClause,
    *,
    key: Sequence[str],
    update: Sequence[str],
    only_if_changed: bool = True,
    rows_from: Select[Any] | None = None,
) -> Any:
    """The INSERT … ON CONFLICT DO UPDATE statement of `upsert`, for rows given later or from a SELECT."""
    if dialect not in ("postgresql", "sqlite"):
        raise RuntimeError(f"unsupported database {dialect!r}: use SQLite or PostgreSQL")
    statement = dialect_module(dialect).insert(table)
    if rows_from is not None:
        statement = statement.from_select([c.name for c in rows_from.selected_columns], rows_from)
    excluded = statement.excluded
    changed = None
    if only_if_changed:
        # Comparing the value columns (not the timestamps) keeps a repeated import from touching rows.
        compared = [c for c in update if c != "updated_at"]
        changed = or_(*[table.c[c].is_distinct_from(excluded[c]) for c in compared]) if compared else None
    return statement.on_conflict_do_update(
        index_elements=list(key),
        set_={c: excluded[c] for c in update},
        where=and_(changed) if changed is not None else None,
    )


def upsert(
    session: Session,
    table: FromClause,
    rows: Sequence[dict[str, Any]],
    *,
    key: Sequence[str],
    update: Sequence[str],
    only_if_changed: bool = True,
) -> None:
    """Insert rows; on a key conflict, update `update` columns (only when a value differs)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    statement = upsert_statement(dialect, table, key=key, update=update, only_if_changed=only_if_changed)
    session.execute(statement, list(rows))


def insert_ignore_statement(dialect: str, table: FromClause, row: dict[str, Any], *, key: Sequence[str]) -> Any:
    """INSERT of one row unless its key exists; `inserted(dialect, result)` says whether it inserted the row.

    On PostgreSQL it returns the key's first column when it did: psycopg 3 reports rowcount -1 for this
    statement under SQLAlchemy 2.1. On SQLite it returns nothing, and the row count says: a statement with
    RETURNING keeps the file's write lock from its first row until the caller fetches the rest, which in a
    busy process first waits for the interpreter lock, while every other writer sleeps in SQLite's busy
    handler (the replay check's record in each ack, bot/db/seen_requests.py).
    """
    statement = dialect_module(dialect).insert(table).values(**row).on_conflict_do_nothing(index_elements=list(key))
    return statement if dialect == "sqlite" else statement.returning(table.c[key[0]])


def inserted(dialect: str, result: Any) -> bool:
    """Whether insert_ignore_statement's `result` (on `dialect`) inserted its row."""
    return result.rowcount == 1 if dialect == "sqlite" else result.first() is not None


def insert_ignore(session: Session, table: FromClause, row: dict[str, Any], *, key: Sequence[str]) -> bool:
    """Insert one row unless its key exists; True when this call inserted it."""
    dialect = session.get_bind().dialect.name
    return inserted(dialect, session.execute(insert_ignore_statement(dialect, table, row, key=key)))
