"""The figures version: one counter that every committed write to a table the figures read raises.

Kept answers (bot/services/team_figures.py) count only while the counter is the one they were
computed at, so a stale answer is never shown. One chokepoint, below the ORM: every statement any
engine runs passes `after_cursor_execute`, which marks the transaction when the statement writes
a table other than the few that cannot change a figure (audit rows, the outbox, job bookkeeping…).
The commit of a marked transaction raises the counter as its last statement, atomically with the
writes: a reader that sees the new counter sees the new rows. A new table, or a write nobody
thought of (a bulk statement, raw SQL, a migration), is counted by default.

The counter is raised at commit, not at the first write, so its row lock is held only for the
instant of the commit: writers never wait on it while holding other locks (no deadlock with the
org chart's table lock or the rollup's advisory lock).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, Engine, event

from bot.db.models import (
    AppState,
    AuditView,
    ChartFile,
    FiguresVersion,
    JobRun,
    Lease,
    LlmUsage,
    OutboxMessage,
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
        FiguresVersion.__tablename__,
        "alembic_version",
    }
)
_MARK = "figures_written"
# Connection.info key: the connection runs migrations (env.py raises the counter itself, once the table exists).
UNTRACKED = "figures_untracked"
# An upsert: the row may have been deleted (a test emptying every table); it then comes back above any
# version a kept answer holds, so none of those can match it again. (`WHERE 1 = 1`: SQLite reads an
# INSERT … SELECT's ON CONFLICT as a join's ON without a WHERE before it.)
_BUMP = (
    f"INSERT INTO {FiguresVersion.__tablename__} (id, version) "
    f"SELECT 1, COALESCE(MAX(figures_version), 0) + 1 FROM {TeamFigures.__tablename__} WHERE 1 = 1 "
    f"ON CONFLICT (id) DO UPDATE SET version = {FiguresVersion.__tablename__}.version + 1"
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


def writes_figures(statement: str) -> bool:
    """Can this SQL statement change a figure? True for a write to any table but UNCOUNTED_TABLES, or an unclear one."""
    body = statement[_COMMENTS.match(statement).end() :]  # type: ignore[union-attr]  # the pattern always matches
    if re.match(r"WITH\b", body, re.I):
        return any(name.lower() not in UNCOUNTED_TABLES for name in _WRITE_IN_WITH.findall(body))
    if _READ_ONLY.match(body):
        return False
    write = _WRITE.match(body)
    if write is None:
        return True  # a CREATE TABLE, a statement this parser does not know: counted, to be safe
    return write.group(1).lower() not in UNCOUNTED_TABLES


@event.listens_for(Engine, "begin")
def _forget_marks(connection: Connection) -> None:
    connection.info.pop(_MARK, None)


@event.listens_for(Engine, "after_cursor_execute")
def _mark_writes(connection: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    if _MARK not in connection.info and not connection.info.get(UNTRACKED) and writes_figures(statement):
        connection.info[_MARK] = True


# Before the table exists (a database being created or emptied) there is no version to raise: nothing kept
# is read without it (bot/services/team_figures.py).
_EXISTS = {
    "postgresql": f"SELECT to_regclass('{FiguresVersion.__tablename__}') IS NOT NULL",
    "sqlite": f"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{FiguresVersion.__tablename__}'",
}


@event.listens_for(Engine, "commit")
def _raise_on_commit(connection: Connection) -> None:
    if connection.info.pop(_MARK, None) and not connection.info.get(UNTRACKED):
        # The driver's own cursor: the last statements of the transaction, and no hook sees them.
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(_EXISTS.get(connection.dialect.name, _EXISTS["postgresql"]))
            if cursor.fetchone()[0]:
                cursor.execute(_BUMP)
        finally:
            cursor.close()


@event.listens_for(Engine, "rollback")
def _forget_on_rollback(connection: Connection) -> None:
    connection.info.pop(_MARK, None)
