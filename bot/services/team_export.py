"""`/buildboard export [team]`: the caller's authorised scope as a per-person, per-week CSV, sent to them in a DM."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, func, select, union
from sqlalchemy.orm import Session, aliased

from bot.db.models import Artifact, Person
from bot.domain.command_args import Target
from bot.domain.periods import IsoWeek, weeks_ending
from bot.services.audit import record_views
from bot.services.authority import Viewer
from bot.services.exports import STREAM_ROWS, write_rows
from bot.services.team import Group, Refusal, _artifacts_in, _usage_by_person_week, resolve_group

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
    usage = _usage_by_person_week(weeks, group).subquery("usage_pw")
    made = (
        select(
            Artifact.person_id.label("person_id"),
            Artifact.week_start.label("week_start"),
            func.count().label("artifacts"),
            func.sum(Artifact.work_units).label("work_units"),
        )
        .where(*_artifacts_in(weeks, group))
        .group_by(Artifact.person_id, Artifact.week_start)
        .subquery("made_pw")
    )
    keys = union(select(usage.c.person_id, usage.c.week_start), select(made.c.person_id, made.c.week_start)).subquery(
        "keys"
    )
    manager = aliased(Person)
    query = (
        select(
            keys.c.week_start,
            Person.id,
            Person.email,
            Person.name,
            Person.team,
            manager.email,
            Person.in_org,
            Person.active,
            func.coalesce(usage.c.tokens, 0),
            func.coalesce(usage.c.spend_usd, 0),
            func.coalesce(usage.c.active_days, 0),
            func.coalesce(made.c.artifacts, 0),
            func.coalesce(made.c.work_units, 0),
        )
        .select_from(keys)
        .join(Person, Person.id == keys.c.person_id)
        .outerjoin(manager, manager.id == Person.manager_id)
        .outerjoin(usage, and_(usage.c.person_id == keys.c.person_id, usage.c.week_start == keys.c.week_start))
        .outerjoin(made, and_(made.c.person_id == keys.c.person_id, made.c.week_start == keys.c.week_start))
        .order_by(keys.c.week_start, Person.email, Person.id)
    )
    for row in session.execute(query.execution_options(yield_per=STREAM_ROWS)):
        start, pid, email, name, team, manager_email, in_org, active, tokens, spend, days, count, units = row
        spend, units = Decimal(spend), Decimal(units)
        cost = (spend / units).quantize(Decimal("0.01")) if units > 0 else None
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
                cost,
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
