"""The figures version: one counter that every committed write to a table the figures read raises.

Kept answers (bot/services/team_figures.py) count only while the counter is the one they were
computed at, so a stale answer is never shown. One chokepoint, below the ORM: every statement any
engine runs passes `after_cursor_execute`, which marks the transaction when the statement writes
a table other than the few that cannot change a figure (audit rows, the outbox, job bookkeeping…).
The commit of a marked transaction raises the counter as its last statement, atomically with the
writes: a reader that sees the new counter sees the new rows. A new table, or a write nobody
thought of (a bulk statement, raw SQL, a migration), is counted by default.

Most writes in the working day are about one person: an artifact shared, edited or deleted, an endorsement,
a reason given for spend. Those rows are written through the ORM, whose flush names the people
(`PERSON_COLUMNS`); a commit whose every counted write is such a row records those people in
figures_changes under the version it raised, and a kept report of a group without them still answers.
Any other counted write (usage, the org chart, seats, a bulk statement, raw SQL) also raises
`everyone_version`: every report kept before it is stale.

The counter is raised at commit, not at the first write, so its row lock is held only for the
instant of the commit: writers never wait on it while holding other locks (no deadlock with the
org chart's table lock or the rollup's advisory lock).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, event, inspect
from sqlalchemy.orm import Session, UOWTransaction

from bot.db.models import (
    AppState,
    Artifact,
    AuditView,
    ChartFile,
    Endorsement,
    FiguresChange,
    FiguresVersion,
    FlagCandidate,
    JobRun,
    Lease,
    LlmUsage,
    Nudge,
    OutboxMessage,
    OutputWeekly,
    PeriodFigures,
    PeriodFiguresBuild,
    SeenSlackRequest,
    TeamFigures,
)

# Writes to these tables never change a figure a kept answer holds.
UNCOUNTED_TABLES = frozenset(
    {
        AuditView.__tablename__,
        OutboxMessage.__tablename__,
        LlmUsage.__tablename__,  # what the bot's own LLM calls cost, never a person's figure
        JobRun.__tablename__,
        Lease.__tablename__,
        AppState.__tablename__,
        SeenSlackRequest.__tablename__,
        ChartFile.__tablename__,
        TeamFigures.__tablename__,
        # Derived from counted tables, written only beside their writes or rebuilt to the same figures.
        OutputWeekly.__tablename__,
        PeriodFigures.__tablename__,
        PeriodFiguresBuild.__tablename__,
        FlagCandidate.__tablename__,
        FiguresVersion.__tablename__,
        FiguresChange.__tablename__,
        "alembic_version",
    }
)
# Rows about people, and the columns naming them: an ORM flush of these says whose figures it changed.
PERSON_COLUMNS: dict[type, tuple[str, ...]] = {
    Artifact: ("person_id",),
    Endorsement: ("author_id", "endorser_id"),
    Nudge: ("person_id",),
}
_PERSON_TABLES = frozenset(cls.__tablename__ for cls in PERSON_COLUMNS)  # type: ignore[attr-defined]
_MARK = "figures_written"
_PEOPLE = "figures_people"  # the people whose figures the transaction's flushes changed
_EVERYONE = "figures_everyone"  # a counted write not recorded person by person
_FLUSHING = "figures_flushing"  # the connection runs an ORM flush whose people are in _PEOPLE
# Connection.info key: the connection runs migrations (env.py raises the counter itself, once the table exists).
UNTRACKED = "figures_untracked"
# An upsert: the row may have been deleted (a test emptying every table); it then comes back above any
# version a kept answer holds, so none of those can match it again. (`WHERE 1 = 1`: SQLite reads an
# INSERT … SELECT's ON CONFLICT as a join's ON without a WHERE before it.)
_START = (
    f"INSERT INTO {FiguresVersion.__tablename__} (id, version, everyone_version) "
    f"SELECT 1, COALESCE(MAX(figures_version), 0) + 1, COALESCE(MAX(figures_version), 0) + 1 "
    f"FROM {TeamFigures.__tablename__} WHERE 1 = 1 "
    f"ON CONFLICT (id) DO UPDATE SET version = {FiguresVersion.__tablename__}.version + 1"
)
_BUMP_EVERYONE = f"{_START}, everyone_version = {FiguresVersion.__tablename__}.version + 1"
_BUMP_PEOPLE = _START
# Changes at or below everyone_version cannot make any kept report staler than it already is.
_FORGET_CHANGES = (
    f"DELETE FROM {FiguresChange.__tablename__} WHERE version <= "
    f"(SELECT everyone_version FROM {FiguresVersion.__tablename__} WHERE id = 1)"
)
# Kept reports from before a write about everyone can never be read again (bot/services/team_figures.py): they go
# with the write that made them stale, not with the next report kept (one more round trip of every report).
_FORGET_STALE_REPORTS = (
    f"DELETE FROM {TeamFigures.__tablename__} WHERE figures_version < "
    f"(SELECT everyone_version FROM {FiguresVersion.__tablename__} WHERE id = 1)"
)
_RECORD_PERSON = (
    f"INSERT INTO {FiguresChange.__tablename__} (version, person_id) "
    f"SELECT version, {{}} FROM {FiguresVersion.__tablename__} WHERE id = 1"
)

_COMMENTS = re.compile(r"^\s*(?:--[^\n]*\n\s*|/\*.*?\*/\s*)*", re.S)
# The statement's own write and its table (INSERT … SELECT, UPDATE … FROM: the first table named is written).
_WRITE = re.compile(
    r"(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+ONLY)?|DELETE\s+FROM(?:\s+ONLY)?|"
    r"TRUNCATE(?:\s+TABLE)?(?:\s+ONLY)?|MERGE\s+INTO|COPY|ALTER\s+TABLE|DROP\s+TABLE(?:\s+IF\s+EXISTS)?)"
    r"\s+\"?(\w+)\"?",
    re.I,
)
# A write inside `WITH …` (a data-modifying common table expression), never a SELECT's `FOR UPDATE`.
_WRITE_IN_WITH = re.compile(
    r"(?<!FOR\s)\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(?!SKIP\b|NOWAIT\b|OF\b)\"?(\w+)\"?", re.I
)
_READ_ONLY = re.compile(
    r"(?:SELECT|VALUES|PRAGMA|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|SET|SHOW|EXPLAIN|ANALYZE|VACUUM|LOCK|"
    r"CREATE\s+(?:UNIQUE\s+)?INDEX|DROP\s+INDEX|REINDEX|CREATE\s+(?:TEMP|TEMPORARY)\s+TABLE)\b",
    re.I,
)


@lru_cache(maxsize=1024)
def counted_writes(statement: str) -> tuple[str, ...]:
    """The tables this SQL statement writes that a figure can read ("" for a write this parser cannot read).

    Asked of every statement every engine runs; kept per statement text, which SQLAlchemy hands over as the
    same string each time it runs a compiled statement: a team report's 15,000-character statement begins
    with `WITH`, and searching all of it for a write was about 0.2 ms of each report.
    """
    body = statement[_COMMENTS.match(statement).end() :]  # type: ignore[union-attr]  # the pattern always matches
    if re.match(r"WITH\b", body, re.I):
        return tuple(name.lower() for name in _WRITE_IN_WITH.findall(body) if name.lower() not in UNCOUNTED_TABLES)
    if _READ_ONLY.match(body):
        return ()
    write = _WRITE.match(body)
    if write is None:
        return ("",)  # a CREATE TABLE, a statement this parser does not know: counted, to be safe
    return () if write.group(1).lower() in UNCOUNTED_TABLES else (write.group(1).lower(),)


def writes_figures(statement: str) -> bool:
    """Can this SQL statement change a figure? True for a write to any table but UNCOUNTED_TABLES, or an unclear one."""
    return bool(counted_writes(statement))


def wrote_figures(connection: Connection) -> bool:
    """Has the connection's transaction written a table a figure reads (so far, uncommitted)?"""
    return bool(connection.info.get(_MARK))


def _forget(connection: Connection) -> None:
    for key in (_MARK, _PEOPLE, _EVERYONE, _FLUSHING):
        connection.info.pop(key, None)


@event.listens_for(Engine, "begin")
def _forget_marks(connection: Connection) -> None:
    _forget(connection)


@event.listens_for(Session, "before_flush")
def _people_of_flush(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    """Note whose rows the flush writes; a row about nobody known makes the transaction everyone's."""
    about = [obj for obj in (*session.new, *session.dirty, *session.deleted) if type(obj) in PERSON_COLUMNS]
    if not about:
        return
    connection = session.connection()
    people: set[int] = connection.info.setdefault(_PEOPLE, set())
    for obj in about:
        state = inspect(obj)
        for column in PERSON_COLUMNS[type(obj)]:
            history = state.attrs[column].history  # a changed owner: the old one's figures change too
            values = [*history.added, *history.unchanged, *history.deleted] or [getattr(obj, column)]
            for value in values:
                if value is None:
                    connection.info[_EVERYONE] = True
                else:
                    people.add(int(value))
    connection.info[_FLUSHING] = True


@event.listens_for(Session, "after_flush_postexec")
def _flush_done(session: Session, _flush: UOWTransaction) -> None:
    session.connection().info.pop(_FLUSHING, None)


@event.listens_for(Engine, "rollback_savepoint")
def _flush_failed(connection: Connection, *_args: Any) -> None:
    connection.info.pop(_FLUSHING, None)  # a flush that failed inside a savepoint: what follows is not it


@event.listens_for(Engine, "after_cursor_execute")
def _mark_writes(connection: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    info = connection.info
    if info.get(UNTRACKED) or (info.get(_MARK) and info.get(_EVERYONE)):
        return  # nothing more to learn: the commit raises the version for everyone
    tables = counted_writes(statement)
    if not tables:
        return
    info[_MARK] = True
    if not (info.get(_FLUSHING) and all(table in _PERSON_TABLES for table in tables)):
        info[_EVERYONE] = True


# Before the table exists (a database being created or emptied) there is no version to raise: nothing kept
# is read without it (bot/services/team_figures.py).
def table_exists_sql(dialect: str, table: str) -> str:
    """SQL whose one value is true when `table` exists (asked on a driver's cursor at commit, beyond any hook)."""
    if dialect == "sqlite":
        return f"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'"
    return f"SELECT to_regclass('{table}') IS NOT NULL"


@event.listens_for(Engine, "commit")
def _raise_on_commit(connection: Connection) -> None:
    info = connection.info
    written, everyone, people = info.get(_MARK), info.get(_EVERYONE), info.get(_PEOPLE)
    _forget(connection)
    if not written or info.get(UNTRACKED):
        return
    # The driver's own cursor: the last statements of the transaction, and no hook sees them.
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(table_exists_sql(connection.dialect.name, FiguresVersion.__tablename__))
        exists = cursor.fetchone()
        if not exists or not exists[0]:
            return
        if everyone or not people:
            cursor.execute(_BUMP_EVERYONE)
            cursor.execute(_FORGET_CHANGES)
            cursor.execute(_FORGET_STALE_REPORTS)
        else:
            cursor.execute(_BUMP_PEOPLE)
            placeholder = "?" if connection.dialect.paramstyle == "qmark" else "%s"
            cursor.executemany(_RECORD_PERSON.format(placeholder), [(pid,) for pid in sorted(people)])
    finally:
        cursor.close()


@event.listens_for(Engine, "rollback")
def _forget_on_rollback(connection: Connection) -> None:
    _forget(connection)
