"""`/buildboard export [team]`: the caller's authorised scope as a per-person, per-week CSV, sent to them in a DM."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from bot.db.models import Person
from bot.domain.command_args import Target
from bot.domain.periods import IsoWeek, weeks_ending
from bot.domain.stats import cost_per
from bot.services.audit import record_views
from bot.services.authority import Viewer
from bot.services.exports import STREAM_ROWS, write_rows
from bot.services.stats import person_period_figures
from bot.services.team import Group, Refusal, resolve_group

COLUMNS = [
    "week",
    "email",
    "name",
    "team",
    "manager_email",
    "in_org",
    "active",
    "tokens",
    "spend_usd",
    "active_days",
    "artifacts",
    "work_units",
    "cost_per_work_unit_usd",
]


@dataclass(frozen=True)
class ScopeExport:
    group: Group
    weeks: list[IsoWeek]
    filename: str
    content: str
    rows: int
    people: int


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def scope_rows(session: Session, weeks: list[IsoWeek], group: Group):
    """One row per person and week with any activity (a single query, streamed)."""
    figures = person_period_figures(weeks, group.members, by_week=True).subquery("figures")
    manager = aliased(Person)
    query = (
        select(
            figures.c.week_start,
            Person.id,
            Person.email,
            Person.name,
            Person.team,
            manager.email,
            Person.in_org,
            Person.active,
            figures.c.tokens,
            figures.c.spend_usd,
            figures.c.active_days,
            figures.c.artifacts,
            figures.c.work_units,
        )
        .select_from(figures)
        .join(Person, Person.id == figures.c.person_id)
        .outerjoin(manager, manager.id == Person.manager_id)
        .order_by(figures.c.week_start, Person.email, Person.id)
    )
    for row in session.execute(query.execution_options(yield_per=STREAM_ROWS)):
        start, pid, email, name, team, manager_email, in_org, active, tokens, spend, days, count, units = row
        spend, units = Decimal(spend), Decimal(units)
        yield (
            pid,
            (
                str(IsoWeek.containing(start)),
                email or "",
                name or "",
                team or "",
                manager_email or "",
                "yes" if in_org else "no",
                "yes" if active else "no",
                int(tokens),
                spend,
                int(days),
                int(count),
                units,
                cost_per(spend, units),
            ),
        )


def build_export(
    session: Session,
    viewer: Viewer,
    target: Target,
    weeks: int,
    *,
    now: datetime,
    zone,
    lookup_user=None,
) -> tuple[ScopeExport | None, Refusal | None]:
    """The CSV of what the caller may see (their tree, a team inside it, or everything for admins); audited."""
    group, refusal = resolve_group(session, viewer, target, lookup_user)
    if refusal is not None or group is None:
        return None, refusal
    last = IsoWeek.last_complete(now, zone)
    period = weeks_ending(last, weeks)
    seen: set[int] = set()

    def rows():
        for pid, row in scope_rows(session, period, group):
            seen.add(pid)
            yield row

    out = io.StringIO()
    count = write_rows(out, COLUMNS, rows(), "csv")
    record_views(
        session, viewer_id=viewer.person_id, subject_ids=seen, action="export", detail=f"{group.label}", now=now
    )
    filename = f"buildboard-{period[0]}-to-{last}.csv"
    return ScopeExport(group, period, filename, out.getvalue(), count, len(seen)), None
