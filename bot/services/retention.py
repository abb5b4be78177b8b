"""Retention: per-person usage older than BUILDBOARD_RETENTION_DAYS becomes anonymous daily totals.

The fold runs in SQL, in one transaction: INSERT … SELECT … GROUP BY day, provider, model into
anonymous_usage_daily with an upsert that adds to totals already there, then DELETE of exactly the
rows it summed. Organisation token and spend totals of every week stay the same; per-person rows
(and with them per-person views, ranks and exports) of those days are gone. Per-person code
activity past the limit has no anonymous counterpart and is deleted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, FromClause, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import AnonymousUsageDaily, CodeActivityDaily, UsageDaily
from bot.db.upsert import dialect_module
from bot.db.usage_partitions import drop_emptied_partitions, ensure_usage_partitions, month_start, next_month
from bot.db.usage_weekly import forget_weeks_before, refresh_usage_weekly
from bot.domain.periods import IsoWeek
from bot.domain.text import plural
from bot.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionReport:
    cutoff: date  # rows dated before this day are folded
    dry_run: bool
    usage_rows: int
    people: int
    first_day: date | None
    last_day: date | None
    tokens: int
    cost_usd: Decimal
    code_activity_rows: int

    def summary(self) -> str:
        verb = "would fold" if self.dry_run else "folded"
        if not self.usage_rows and not self.code_activity_rows:
            return f"nothing is older than the retention limit (usage before {self.cutoff})"
        span = f" from {self.first_day} to {self.last_day}" if self.usage_rows else ""
        text = (
            f"{verb} {plural(self.usage_rows, 'per-person usage row')} of {plural(self.people, 'person', 'people')}"
            f"{span} ({plural(self.tokens, 'token')}, ${self.cost_usd:,.2f}) into anonymous daily totals"
        )
        if self.code_activity_rows:
            deleted = "would delete" if self.dry_run else "deleted"
            text += f"; {deleted} {plural(self.code_activity_rows, 'code activity row')}"
        return text + f" (retention: usage before {self.cutoff})"


def retention_cutoff(now: datetime, settings: Settings) -> date:
    """The first day still kept per person: today (in the organisation's zone) minus the retention days."""
    return now.astimezone(settings.zone).date() - timedelta(days=settings.retention_days)


def _measure(session: Session, cutoff: date) -> tuple[Any, ...]:
    return session.execute(
        select(
            func.count(),
            func.count(func.distinct(UsageDaily.person_id)),
            func.min(UsageDaily.day),
            func.max(UsageDaily.day),
            func.coalesce(func.sum(UsageDaily.input_tokens + UsageDaily.output_tokens), 0),
            func.coalesce(func.sum(UsageDaily.cost_usd), 0),
        ).where(UsageDaily.day < cutoff)
    ).one()


def fold_usage(session: Session, cutoff: date) -> None:
    """Fold every usage row dated before `cutoff` into anonymous_usage_daily, inside the caller's transaction."""
    dialect = session.get_bind().dialect.name
    old = UsageDaily.day < cutoff
    source: FromClause
    where: ColumnElement[bool] | None
    if dialect == "postgresql":
        # DELETE … RETURNING feeds the INSERT, so exactly the deleted rows are summed even if an import
        # adds an old row meanwhile (READ COMMITTED would let a separate SELECT and DELETE disagree).
        source = (
            delete(UsageDaily)
            .where(old)
            .returning(
                UsageDaily.person_id,
                UsageDaily.day,
                UsageDaily.provider,
                UsageDaily.model,
                UsageDaily.input_tokens,
                UsageDaily.cached_input_tokens,
                UsageDaily.output_tokens,
                UsageDaily.requests,
                UsageDaily.cost_usd,
            )
            .cte("folded")
        )
        columns, where = source.c, None
    else:
        # SQLite holds the write lock from the INSERT to the commit, so the DELETE sees the same rows.
        source, columns, where = UsageDaily.__table__, UsageDaily.__table__.c, old
    summed = select(
        columns.day,
        columns.provider,
        columns.model,
        func.count(func.distinct(columns.person_id)),
        func.sum(columns.input_tokens),
        func.sum(columns.cached_input_tokens),
        func.sum(columns.output_tokens),
        func.sum(columns.requests),
        func.sum(columns.cost_usd),
    ).select_from(source)
    if where is not None:
        summed = summed.where(where)
    summed = summed.group_by(columns.day, columns.provider, columns.model)
    added = ["people", "input_tokens", "cached_input_tokens", "output_tokens", "requests", "cost_usd"]
    insert = dialect_module(dialect).insert(AnonymousUsageDaily)
    statement = insert.from_select(["day", "provider", "model", *added], summed)
    anonymous = AnonymousUsageDaily.__table__.c
    statement = statement.on_conflict_do_update(
        index_elements=["day", "provider", "model"],
        set_={c: anonymous[c] + statement.excluded[c] for c in added},
    )
    session.execute(statement)
    if dialect != "postgresql":
        session.execute(delete(UsageDaily).where(old))
    # Folded weeks leave the per-person rollup; the week the cutoff falls in keeps its remaining days.
    forget_weeks_before(session, IsoWeek.containing(cutoff).start)
    refresh_usage_weekly(session, cutoff, cutoff)


def _keep_partitions(session: Session, cutoff: date, today: date) -> None:
    """PostgreSQL's monthly usage partitions: drop the months folded away; create this month and the next two
    ahead of the imports (an import creates a missing month itself, but that locks usage_daily until it commits)."""
    dropped = drop_emptied_partitions(session, cutoff)
    this_month = month_start(today)
    created = ensure_usage_partitions(session, (this_month, next_month(this_month), next_month(next_month(this_month))))
    if dropped or created:
        log.info("retention: usage partitions dropped %s, created %s", dropped or "none", created or "none")


def run_retention(
    session_factory: sessionmaker[Session], settings: Settings, now: datetime, dry_run: bool = False
) -> RetentionReport:
    """Fold per-person usage past the retention limit into anonymous totals (the daily job and the command)."""
    cutoff = retention_cutoff(now, settings)
    with session_factory.begin() as session:
        if session.get_bind().dialect.name == "postgresql":
            # Two folds at once (the job and the command) would add the same rows twice.
            session.execute(select(func.pg_advisory_xact_lock(0x6275696C64)))
        rows, people, first, last, tokens, cost = _measure(session, cutoff)
        code_rows = session.scalar(
            select(func.count()).select_from(CodeActivityDaily).where(CodeActivityDaily.day < cutoff)
        )
        if not dry_run:
            if rows:
                fold_usage(session, cutoff)
            if code_rows:
                session.execute(delete(CodeActivityDaily).where(CodeActivityDaily.day < cutoff))
            _keep_partitions(session, cutoff, now.astimezone(settings.zone).date())
    report = RetentionReport(
        cutoff, dry_run, int(rows), int(people), first, last, int(tokens), Decimal(cost), int(code_rows or 0)
    )
    if not dry_run and (rows or code_rows):
        log.info("retention: %s", report.summary())
    return report
