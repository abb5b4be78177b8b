"""The weekly rollup of usage_daily (table usage_weekly), refreshed inside every transaction that writes usage.

Everything that asks "how much did each person use in week W" reads the rollup: the digest,
titles, flags, personal and team stats. At 85,000 people a week is ~700,000 daily rows but only
85,000 weekly ones, and the digest asks that question several times (this week, last week, per
team, the 8-week chart). The rollup is refreshed for whole weeks, recomputed from usage_daily,
so it cannot drift: an upsert, a provider's revision, a deletion and retention's folding all end
with the same call.

Each week's organisation sums (usage_weekly_totals) are refreshed with it, from the rows just written:
the digest's totals and chart read eight rows instead of every person's eight weeks.

Seat rows (`cost_source` `seat`: a seat's daily share of its monthly price) are left out: the rollup is
about use, so ranking, nudges, titles and spend flags never count a seat as spend or a day of use.
Surfaces show seat cost beside it (bot/services/seats.py).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, delete, func, literal, select, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from bot.db.models import UsageDaily, UsageWeekly, UsageWeeklyTotal
from bot.domain.periods import IsoWeek
from bot.domain.seats import SEAT_COST_SOURCE

# pg_advisory_xact_lock key: writes of usage and refreshes of the rollup take turns on it (take_usage_turn).
_USAGE_TURN_LOCK = 0x0B0A_7D0B


class week_start_of(FunctionElement[date]):
    """The Monday of the ISO week of a date column, computed by the database (written for each dialect below)."""

    type = Date()
    inherit_cache = True


@compiles(week_start_of, "postgresql")
def _week_start_postgresql(element: week_start_of, compiler: Any, **kw: Any) -> str:
    return f"CAST(date_trunc('week', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(week_start_of)
def _week_start_sqlite(element: week_start_of, compiler: Any, **kw: Any) -> str:
    # SQLite: the next Sunday (or the day itself, a Sunday), minus six days.
    return f"date({compiler.process(element.clauses, **kw)}, 'weekday 0', '-6 days')"


def take_usage_turn(session: Session) -> None:
    """On PostgreSQL, wait for any other transaction that writes usage to commit; held until this one ends.

    Writers of usage_daily (write_usage, the seat charges) and the rollup's refresh take this turn, so a
    writer that finds a day without rows can insert that day's rows without checking each key for a
    conflict, and a refresh recomputes from rows the writer before it committed (under READ COMMITTED
    each statement sees what was committed before it started). A no-op on SQLite, whose one writer at a
    time is the database's own rule. Taken again in the same transaction, it is already held.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _USAGE_TURN_LOCK})


def refresh_usage_weekly(session: Session, first_day: date | None, last_day: date | None) -> int:
    """Recompute the rollup for every week touching first_day..last_day, in the caller's transaction.

    Returns the number of weekly rows written. Concurrent refreshes take turns (take_usage_turn).
    """
    if first_day is None or last_day is None or first_day > last_day:
        return 0
    take_usage_turn(session)
    first, last = IsoWeek.containing(first_day), IsoWeek.containing(last_day)
    session.execute(delete(UsageWeekly).where(UsageWeekly.week_start.between(first.start, last.start)))
    monday = first.start
    while monday <= last.start:
        # One statement per week with the Monday as a constant: the day index bounds the scan and no
        # per-row date arithmetic is needed.
        summed = (
            select(
                literal(monday, Date),
                UsageDaily.person_id,
                func.sum(UsageDaily.input_tokens + UsageDaily.output_tokens),
                func.sum(UsageDaily.cost_usd),
                func.count(func.distinct(UsageDaily.day)),
            )
            .where(
                UsageDaily.day.between(monday, monday + timedelta(days=6)), UsageDaily.cost_source != SEAT_COST_SOURCE
            )
            .group_by(UsageDaily.person_id)
        )
        session.execute(
            UsageWeekly.__table__.insert().from_select(
                ["week_start", "person_id", "tokens", "cost_usd", "active_days"], summed
            )
        )
        monday += timedelta(days=7)
    _refresh_totals(session, first.start, last.start)
    # Counted, not taken from rowcount: psycopg reports -1 for INSERT … SELECT under SQLAlchemy 2.1.
    in_range = UsageWeekly.week_start.between(first.start, last.start)
    return int(session.scalar(select(func.count()).select_from(UsageWeekly).where(in_range)) or 0)


def _refresh_totals(session: Session, first: date, last: date) -> None:
    """The organisation's sums of the weeks starting first..last, from the rollup rows just written."""
    session.execute(delete(UsageWeeklyTotal).where(UsageWeeklyTotal.week_start.between(first, last)))
    summed = (
        select(UsageWeekly.week_start, func.sum(UsageWeekly.tokens), func.sum(UsageWeekly.cost_usd), func.count())
        .where(UsageWeekly.week_start.between(first, last))
        .group_by(UsageWeekly.week_start)
    )
    session.execute(
        UsageWeeklyTotal.__table__.insert().from_select(["week_start", "tokens", "cost_usd", "active_people"], summed)
    )


def forget_weeks_before(session: Session, start: date) -> None:
    """Drop the rollup's weeks before `start` (retention has folded their usage into anonymous totals)."""
    session.execute(delete(UsageWeekly).where(UsageWeekly.week_start < start))
    session.execute(delete(UsageWeeklyTotal).where(UsageWeeklyTotal.week_start < start))


def rebuild_usage_weekly(session: Session) -> int:
    """Recompute the whole rollup (after a bulk load that bypassed write_usage, or to check it)."""
    session.flush()
    first, last = session.execute(select(func.min(UsageDaily.day), func.max(UsageDaily.day))).one()
    session.execute(delete(UsageWeekly))
    session.execute(delete(UsageWeeklyTotal))
    return refresh_usage_weekly(session, first, last)
