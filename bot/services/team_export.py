"""`/buildboard export [team]`: the caller's authorised scope as a per-person, per-week CSV, sent to them in a DM."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from bot.db.models import Person
from bot.domain.command_args import Target
from bot.domain.periods import IsoWeek, weeks_ending
from bot.domain.reports import Refusal, TeamExport
from bot.domain.stats import cost_per
from bot.services.audit import record_view
from bot.services.authority import Viewer, caller
from bot.services.exports import STREAM_ROWS, write_rows
from bot.services.identity import UserLookup
from bot.services.stats import person_period_figures
from bot.services.team import Group, resolve_group
from bot.settings import Settings

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


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


ExportRow = tuple[str, str, str, str, str, str, str, int, Decimal, int, int, Decimal, Decimal | None]


def scope_rows(session: Session, weeks: list[IsoWeek], group: Group) -> Iterator[tuple[int, ExportRow]]:
    """One row per person and week with any activity (a single query, streamed)."""
    figures = person_period_figures(weeks, group.members, dialect=session.get_bind().dialect.name).subquery("figures")
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


# Sends the export file to the caller (a port: the Slack adapter uploads it to their DM). Raises when it
# could not be delivered.
ExportDelivery = Callable[[TeamExport], None]


def build_export(
    session: Session,
    viewer: Viewer,
    target: Target,
    weeks: int,
    *,
    now: datetime,
    zone: ZoneInfo,
    lookup_user: UserLookup | None = None,
) -> tuple[TeamExport | None, Refusal | None]:
    """The CSV of what the caller may see (their tree, a team inside it, or everything for admins); audited."""
    group, refusal = resolve_group(session, viewer, target, lookup_user)
    if refusal is not None or group is None:
        return None, refusal
    export, _ = _scope_export(session, group, weeks, now=now, zone=zone)
    record_view(
        session,
        viewer_id=viewer.person_id,
        viewer_slack_user_id=viewer.slack_user_id,
        group=group.viewed,
        action="export",
        detail=f"{group.label}",
        now=now,
    )
    return export, None


def export_for_caller(
    session: Session,
    slack_user_id: str,
    target: Target,
    weeks: int,
    settings: Settings,
    *,
    now: datetime,
    deliver: ExportDelivery,
    lookup_user: UserLookup | None = None,
) -> tuple[TeamExport | None, Refusal | None] | None:
    """`/buildboard export` for the Slack user who asked: build it, audit it, `deliver` it to them.

    None when the caller is neither in the people file nor an admin. When `deliver` raises, the exception
    propagates so that the caller's transaction rolls back, and the views with it: nothing delivered, nothing viewed.
    """
    _, viewer = caller(session, slack_user_id, settings, lookup_user)
    if viewer is None:
        return None
    export, refusal = build_export(session, viewer, target, weeks, now=now, zone=settings.zone, lookup_user=lookup_user)
    if export is not None:
        deliver(export)
    return export, refusal


def _scope_export(
    session: Session, group: Group, weeks: int, *, now: datetime, zone: ZoneInfo
) -> tuple[TeamExport, set[int]]:
    """The group's CSV over the `weeks` weeks up to the last complete one, and the ids of everyone in it."""
    last = IsoWeek.last_complete(now, zone)
    period = weeks_ending(last, weeks)
    seen: set[int] = set()

    def rows() -> Iterator[ExportRow]:
        for pid, row in scope_rows(session, period, group):
            seen.add(pid)
            yield row

    out = io.StringIO()
    count = write_rows(out, COLUMNS, rows(), "csv")
    filename = f"buildboard-{period[0]}-to-{last}.csv"
    return TeamExport(group.label, period, filename, out.getvalue(), count, len(seen)), seen
