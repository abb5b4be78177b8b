"""Counted output kept per person and week (table output_weekly): what a team report sums.

`person_output` (bot/db/output.py) is the one definition of counted output; output_weekly holds its rows for the
configured cap, so a report of 25,000 people sums one table instead of ranking their artifacts, pull requests
and endorsements again. app_state `output_weekly` names the cap the table holds; without that row the table is
not kept, and readers compute `person_output` as before (`kept_for`).

Every write to a table the output reads (SOURCES) keeps the table, in its own transaction, or forgets it:
- an ORM flush of artifacts, endorsements, verified pull requests or coding-agent activity refreshes the
  person-weeks it touched right after the flush (`_keep_after_flush`); deleting an artifact refreshes its
  author's every kept week, since its endorsements (of any week) go with it;
- a writer of many rows at once (the coding agents' daily activity) names its person-weeks inside
  `kept_by_writer` and they are refreshed when it ends;
- any other write to those tables (a bulk statement, raw SQL, erasure, a person deleted, a statement this
  parser cannot read) forgets the table when its transaction commits (`_forget_on_commit`). Reports are then
  computed, as before, until `rebuild_output_weekly` (`buildboard db rebuild-rollup`, the daily
  `team_reports` job) fills it again. A write nobody thought of costs speed, never a wrong figure.

On PostgreSQL one transaction at a time writes the table (a SHARE ROW EXCLUSIVE lock held until its commit,
taken before the kept cap is read): a refresh recomputes from rows the writer before it committed, and a
rebuild cannot miss a write that a refresh beside it would have skipped. SQLite has one writer at a time anyway.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, cast
from uuid import uuid4

from sqlalchemy import Connection, Engine, Table, delete, event, func, inspect, select, text, union, update
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker

from bot.db.figures_version import counted_writes, table_exists_sql
from bot.db.models import AppState, Artifact, CodeActivityDaily, Endorsement, OutputWeekly, VerifiedPullRequest
from bot.db.output import TERM_COLUMNS, Members, person_output, weekly_output
from bot.db.query_types import AnySelect
from bot.db.upsert import upsert
from bot.db.usage_weekly import week_start_of
from bot.db.value_sets import in_weeks, of_members
from bot.domain.periods import IsoWeek

OUTPUT_WEEKLY = cast(Table, OutputWeekly.__table__)
STATE_KEY = "output_weekly"  # app_state: the cap output_weekly holds; no row: not kept
COLUMNS = (*TERM_COLUMNS, "work_units")
# The tables person_output reads, and the columns of their rows that decide a person-week's output.
_SOURCE_COLUMNS: dict[type, tuple[str, ...]] = {
    Artifact: ("person_id", "week_start", "work_units", "created_at"),
    Endorsement: ("author_id", "week_start", "endorser_id", "artifact_id"),
    VerifiedPullRequest: ("person_id", "week_start", "counted"),
    CodeActivityDaily: ("person_id", "day", "pull_requests"),
}
SOURCES = frozenset(cls.__tablename__ for cls in _SOURCE_COLUMNS)  # type: ignore[attr-defined]
# More people than this in one refresh: their weeks are recomputed for everyone (one scan, no list of ids).
EVERYONE_ABOVE = 5_000

# Connection.info keys.
_UNKEPT = "output_weekly_unkept"  # the transaction wrote a source this module did not keep: forget at commit
_FLUSHING = "output_weekly_flushing"  # an ORM flush runs: its writes are kept by _keep_after_flush
_KEEPING = "output_weekly_keeping"  # a writer inside `kept_by_writer` keeps its own writes
_PEOPLE_DELETED = re.compile(r"\s*(?:DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)(?:\s+ONLY)?\s+\"?people\b", re.I)


@lru_cache(maxsize=1024)
def writes_output_sources(statement: str) -> bool:
    """Can this SQL statement change someone's counted output? (A write to a source table, a person deleted,
    or a write this parser cannot read.)"""
    tables = counted_writes(statement)
    return any(table in SOURCES or table == "" for table in tables) or bool(_PEOPLE_DELETED.match(statement))


def _state(where: Session | Connection) -> str | None:
    """app_state's `output_weekly`: the cap kept, `building:<cap>:<token>` while rebuilt, None when not kept."""
    return where.scalar(select(AppState.value).where(AppState.key == STATE_KEY))


def kept_for(session: Session) -> int | None:
    """The cap output_weekly is kept for (None: not kept; compute person_output instead)."""
    value = _state(session)
    return int(value) if value is not None and value.isdigit() else None


def kept_output(starts: Collection[date], members: Members = None) -> AnySelect:
    """person_output's rows for the weeks starting on `starts`, read from the kept table (use when `kept_for`
    says it holds the cap the reader counts with)."""
    return select(*(OUTPUT_WEEKLY.c[name] for name in COLUMNS)).where(
        in_weeks(OUTPUT_WEEKLY.c.week_start, starts), *of_members(OUTPUT_WEEKLY.c.person_id, members)
    )


def output_kept(session: Session, cap: int) -> bool:
    """Does output_weekly hold the counted output for `cap`? (Else compute it: `counted_output(kept=False)`.)"""
    return kept_for(session) == cap


def counted_output(starts: Collection[date], members: Members = None, *, cap: int, kept: bool) -> AnySelect:
    """person_output's rows (person_id, week_start, TERM_COLUMNS' counts, work_units): read from output_weekly
    when `kept` (`output_kept`), else computed."""
    if kept:
        return kept_output(starts, members)
    return person_output(sorted(starts), members, cap=cap)


def counted_output_by_week(starts: Collection[date], members: Members = None, *, cap: int, kept: bool) -> AnySelect:
    """weekly_output's rows (week_start and person_output's sums): summed from output_weekly when `kept`."""
    if not kept:
        return weekly_output(sorted(starts), members, cap=cap)
    summed = (func.coalesce(func.sum(OUTPUT_WEEKLY.c[name]), 0).label(name) for name in COLUMNS[2:])
    return (
        select(OUTPUT_WEEKLY.c.week_start, *summed)
        .where(in_weeks(OUTPUT_WEEKLY.c.week_start, starts), *of_members(OUTPUT_WEEKLY.c.person_id, members))
        .group_by(OUTPUT_WEEKLY.c.week_start)
    )


def weekly_output_totals(
    session: Session, starts: Collection[date], members: Members = None, *, cap: int
) -> dict[date, tuple[int, Decimal, Decimal]]:
    """Week start → (counted artifacts, counted work units, their verified part) of `members` (None: everyone),
    summed from output_weekly when it is kept for `cap`, else computed (bot/db/output.py's weekly_output)."""
    by_week = counted_output_by_week(starts, members, cap=cap, kept=output_kept(session, cap)).subquery("by_week")
    return {
        start: (int(artifacts or 0), Decimal(units or 0), Decimal(verified or 0))
        for start, artifacts, units, verified in session.execute(
            select(by_week.c.week_start, by_week.c.artifacts, by_week.c.work_units, by_week.c.evidence_units)
        )
    }


def _lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"LOCK TABLE {OUTPUT_WEEKLY.name} IN SHARE ROW EXCLUSIVE MODE"))


def _kept_cap(connection: Connection) -> int | None:
    """The cap writers keep the table for: kept, or being rebuilt (`building:<cap>:<token>`); None: neither."""
    value = _state(connection)
    if value is not None and value.startswith("building:"):
        value = value.split(":")[1]
    return int(value) if value is not None and value.isdigit() else None


def refresh_output_weekly(where: Session | Connection, people: Collection[int] | None, weeks: Collection[date]) -> int:
    """Recompute the kept output of `people` (None: everyone) in the weeks starting on `weeks`, in the caller's
    transaction; nothing when the table is not kept. Returns the person-weeks written."""
    if not weeks or (people is not None and not people):
        return 0
    connection = where.connection() if isinstance(where, Session) else where
    _lock(connection)
    cap = _kept_cap(connection)
    if cap is None:
        return 0
    if people is not None and len(people) > EVERYONE_ABOVE:
        people = None
    starts = sorted(set(weeks))
    members = None if people is None else sorted(set(people))
    connection.execute(
        delete(OUTPUT_WEEKLY).where(
            OUTPUT_WEEKLY.c.week_start.in_(starts), *of_members(OUTPUT_WEEKLY.c.person_id, members)
        )
    )
    return _insert(connection, starts, members, cap)


def _insert(connection: Connection, starts: list[date], members: list[int] | None, cap: int) -> int:
    result = connection.execute(
        OUTPUT_WEEKLY.insert().from_select(list(COLUMNS), person_output(starts, members, cap=cap))
    )
    count = result.rowcount
    return int(count) if count is not None and count >= 0 else 0


def output_weeks(where: Session | Connection) -> list[date]:
    """Every week some source holds a row for (the weeks a rebuild computes)."""
    weeks = union(
        select(Artifact.week_start),
        select(Endorsement.week_start),
        select(VerifiedPullRequest.week_start).where(VerifiedPullRequest.counted.is_(True)),
        select(week_start_of(CodeActivityDaily.day)).where(CodeActivityDaily.pull_requests > 0),
    )
    return sorted(value if isinstance(value, date) else date.fromisoformat(value) for value in where.scalars(weeks))


def rebuild_output_weekly(sessions: sessionmaker[Session], cap: int) -> int | None:
    """Recompute the whole table for `cap`, a week at a time, then keep it; returns the person-weeks written, or
    None when a write forgot the table meanwhile (it stays not kept: rebuild again).

    The state first becomes `building:<cap>:<token>`, committed: from then on every writer that keeps the table
    refreshes its person-weeks as if it were kept, and one that forgets it deletes the state. Each week is then
    recomputed in a transaction of its own, holding the writers' lock for one week's recompute, not the table's;
    the last transaction keeps the table only if the state is still this rebuild's.
    """
    token = f"building:{cap}:{uuid4().hex[:12]}"
    with sessions.begin() as session:
        _set_state(session, token)
    with sessions.begin() as session:
        connection = session.connection()
        _lock(connection)
        starts = output_weeks(connection)
        connection.execute(delete(OUTPUT_WEEKLY).where(OUTPUT_WEEKLY.c.week_start.not_in(starts or [date.min])))
    for start in starts:
        with sessions.begin() as session:
            connection = session.connection()
            _lock(connection)
            connection.execute(delete(OUTPUT_WEEKLY).where(OUTPUT_WEEKLY.c.week_start == start))
            _insert(connection, [start], None, cap)
    with sessions.begin() as session:
        kept = session.connection().execute(
            update(AppState)
            .where(AppState.key == STATE_KEY, AppState.value == token)
            .values(value=str(cap), updated_at=datetime.now(UTC))
        )
        if not kept.rowcount:
            return None
        return int(session.scalar(select(func.count()).select_from(OUTPUT_WEEKLY)) or 0)


def _set_state(session: Session, value: str) -> None:
    upsert(
        session,
        AppState.__table__,
        [{"key": STATE_KEY, "value": value, "updated_at": datetime.now(UTC)}],
        key=("key",),
        update=("value", "updated_at"),
        only_if_changed=False,
    )


def being_rebuilt(session: Session) -> bool:
    """Is a rebuild marked as under way (`building:…`)? (Or was one interrupted: the nightly job redoes it.)"""
    value = _state(session)
    return value is not None and value.startswith("building:")


def ensure_output_weekly(sessions: sessionmaker[Session], cap: int) -> int | None:
    """Rebuild the table when it is not kept for `cap` (after a write that forgot it, or a new cap); returns the
    person-weeks written, None when it was kept already (or a write forgot it again while it was rebuilt)."""
    with sessions() as session:
        if kept_for(session) == cap:
            return None
    return rebuild_output_weekly(sessions, cap)


# ------------------------------------------------------------------ writers that keep it themselves


@dataclass
class TouchedOutput:
    """The person-weeks a writer changed, refreshed when `kept_by_writer` ends."""

    people: set[int] = field(default_factory=set)
    weeks: set[date] = field(default_factory=set)

    def add(self, person_id: int, day: date) -> None:
        self.people.add(person_id)
        self.weeks.add(IsoWeek.containing(day).start)


@contextmanager
def kept_by_writer(session: Session) -> Iterator[TouchedOutput]:
    """Writes to the source tables inside this block are the caller's to name (`touched.add`); their person-weeks
    are refreshed when it ends without an error (the transaction rolls back otherwise)."""
    connection = session.connection()
    connection.info[_KEEPING] = True
    touched = TouchedOutput()
    try:
        yield touched
    finally:
        connection.info.pop(_KEEPING, None)
    refresh_output_weekly(connection, touched.people, touched.weeks)


# ------------------------------------------------------------------ the hooks


def _values(obj: Any, column: str) -> list[Any]:
    history = inspect(obj).attrs[column].history
    return [*history.added, *history.unchanged, *history.deleted] or [getattr(obj, column)]


def _changed(obj: Any, columns: tuple[str, ...]) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[column].history.has_changes() for column in columns)


@event.listens_for(Session, "before_flush")
def _flush_starts(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    if any(type(obj) in _SOURCE_COLUMNS for obj in (*session.new, *session.dirty, *session.deleted)):
        session.connection().info[_FLUSHING] = True


@event.listens_for(Session, "after_flush")
def _keep_after_flush(session: Session, _flush: UOWTransaction) -> None:
    """Refresh the person-weeks the flush touched (old and new owners and weeks of every changed row)."""
    connection = session.connection()
    if not connection.info.get(_FLUSHING):
        return
    people: set[int] = set()
    weeks: set[date] = set()
    whole: set[int] = set()  # authors of deleted artifacts: every kept week (their endorsements went too)
    unknown = False
    rows = [(obj, False, False) for obj in session.new]
    rows += [(obj, True, False) for obj in session.dirty]
    rows += [(obj, False, True) for obj in session.deleted]
    for obj, dirty, gone in rows:
        columns = _SOURCE_COLUMNS.get(type(obj))
        if columns is None or (dirty and not _changed(obj, columns)):
            continue
        owner, when = columns[0], columns[1]
        owners = [value for value in _values(obj, owner) if value is not None]
        days = [value for value in _values(obj, when) if value is not None]
        if isinstance(obj, VerifiedPullRequest) and not owners:
            continue  # a pull request nobody was matched to counts for nobody
        if not owners or not days:
            unknown = True
            continue
        people.update(int(value) for value in owners)
        weeks.update(IsoWeek.containing(day).start for day in days)
        if gone and isinstance(obj, Artifact):
            whole.update(int(value) for value in owners)
    if unknown:
        connection.info[_UNKEPT] = True
    if whole:
        weeks.update(
            connection.scalars(
                select(OUTPUT_WEEKLY.c.week_start).where(OUTPUT_WEEKLY.c.person_id.in_(sorted(whole))).distinct()
            )
        )
    refresh_output_weekly(connection, people, weeks)


@event.listens_for(Session, "after_flush_postexec")
def _flush_done(session: Session, _flush: UOWTransaction) -> None:
    session.connection().info.pop(_FLUSHING, None)


@event.listens_for(Engine, "after_cursor_execute")
def _note_unkept_writes(connection: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    info = connection.info
    if info.get(_UNKEPT) or info.get(_FLUSHING) or info.get(_KEEPING):
        return
    if writes_output_sources(statement):
        info[_UNKEPT] = True


@event.listens_for(Engine, "commit")
def _forget_on_commit(connection: Connection) -> None:
    """A transaction that wrote a source without keeping the table forgets it, atomically with its writes."""
    if not connection.info.pop(_UNKEPT, None):
        return
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(table_exists_sql(connection.dialect.name, AppState.__tablename__))
        exists = cursor.fetchone()
        if exists and exists[0]:
            placeholder = "?" if connection.dialect.paramstyle == "qmark" else "%s"
            cursor.execute(f"DELETE FROM {AppState.__tablename__} WHERE key = {placeholder}", (STATE_KEY,))
    finally:
        cursor.close()


def _forget_marks(connection: Connection, *_args: Any) -> None:
    for key in (_UNKEPT, _FLUSHING, _KEEPING):
        connection.info.pop(key, None)


event.listen(Engine, "begin", _forget_marks)
event.listen(Engine, "rollback", _forget_marks)


@event.listens_for(Engine, "rollback_savepoint")
def _flush_failed(connection: Connection, *_args: Any) -> None:
    connection.info.pop(_FLUSHING, None)  # a flush that failed inside a savepoint: what follows is not it
