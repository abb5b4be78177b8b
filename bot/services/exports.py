"""Exports: what is stored, as CSV or JSON, streamed so large tables stay cheap."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TextIO

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session, aliased

from bot.db.models import Artifact, AuditView, Award, Endorsement, Person, UsageDaily
from bot.db.output import counted as counted_rule
from bot.db.output import ranked_artifacts
from bot.domain.evidence import DEFAULT_UNITS_PER_PR
from bot.domain.periods import IsoWeek
from bot.domain.text import spreadsheet_text
from bot.services.stats import DEFAULT_CAP

if TYPE_CHECKING:
    from bot.ingest.seat_prices import SeatPrices

# The evidence and seat exports import their services when they run: `export people` (or a team export in
# Slack) does not load the GitHub evidence service, the settings class behind it, or the seat rules.

STREAM_ROWS = 10_000

Exporter = Callable[..., int]
# What `buildboard export WHAT` can write: name → fn(session, *, week, fmt, out) -> rows written.
EXPORTERS: dict[str, Exporter] = {}


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _csv_cell(value: object) -> object:
    # Text is people's (titles, names, teams, emails): neutralised so a spreadsheet never runs it as a formula.
    # Numbers, dates and booleans are Buildboard's own and stay what they are, a negative Decimal included.
    if value is None:
        return ""
    if isinstance(value, str):
        return spreadsheet_text(value)
    return _plain(value)


def write_rows(out: TextIO, columns: list[str], rows: Iterable[tuple[Any, ...]], fmt: str) -> int:
    """Write rows as CSV (header first, formula-safe text) or a JSON array of objects; returns the row count.

    Every CSV Buildboard writes goes through here (the CLI exports and `/buildboard export`); JSON is left as
    stored, since formulas are a spreadsheet's problem.
    """
    count = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_cell(v) for v in row])
            count += 1
        return count
    out.write("[")
    for row in rows:
        out.write(",\n" if count else "\n")
        out.write(json.dumps({c: _plain(v) for c, v in zip(columns, row, strict=True)}))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


USAGE_COLUMNS = [
    "date",
    "email",
    "matched",
    "provider",
    "model",
    "input_tokens",
    "cached_input_tokens",
    "output_tokens",
    "total_tokens",
    "requests",
    "cost_usd",
    "cost_source",
    "source",
]


def usage_rows(session: Session, week: IsoWeek | None) -> Iterator[tuple[Any, ...]]:
    query = (
        select(
            UsageDaily.day,
            Person.email,
            Person.name,
            Person.forgotten_at,
            UsageDaily.provider,
            UsageDaily.model,
            UsageDaily.input_tokens,
            UsageDaily.cached_input_tokens,
            UsageDaily.output_tokens,
            UsageDaily.requests,
            UsageDaily.cost_usd,
            UsageDaily.cost_source,
            UsageDaily.source,
        )
        .join(Person, Person.id == UsageDaily.person_id)
        .order_by(UsageDaily.day, Person.email, UsageDaily.provider, UsageDaily.model)
    )
    if week is not None:
        query = query.where(UsageDaily.day >= week.start, UsageDaily.day <= week.end)
    for (
        day,
        email,
        name,
        forgotten,
        provider,
        model,
        inp,
        cached,
        out,
        requests,
        cost,
        cost_source,
        source,
    ) in session.execute(query.execution_options(yield_per=STREAM_ROWS)):
        matched = "forgotten" if forgotten else ("yes" if name is not None else "unmatched")
        yield (
            day,
            email or "",
            matched,
            provider,
            model,
            inp,
            cached,
            out,
            inp + out,
            requests,
            cost,
            cost_source,
            source,
        )


def export_usage(session: Session, *, week: IsoWeek | None, fmt: str, out: TextIO) -> int:
    return write_rows(out, USAGE_COLUMNS, usage_rows(session, week), fmt)


EXPORTERS["usage"] = export_usage


PEOPLE_COLUMNS = [
    "email",
    "name",
    "team",
    "manager_email",
    "slack_user_id",
    "timezone",
    "in_org",
    "active",
    "nudges_enabled",
    "public_opt_out",
]


def export_people(session: Session, *, week: IsoWeek | None, fmt: str, out: TextIO) -> int:
    manager = aliased(Person)
    query = (
        select(
            Person.email,
            Person.name,
            Person.team,
            manager.email,
            Person.slack_user_id,
            Person.timezone,
            Person.in_org,
            Person.active,
            Person.nudges_enabled,
            Person.public_opt_out,
        )
        .outerjoin(manager, manager.id == Person.manager_id)
        .where(Person.name.is_not(None))
        .order_by(Person.email)
    )
    return write_rows(out, PEOPLE_COLUMNS, session.execute(query.execution_options(yield_per=STREAM_ROWS)), fmt)


EXPORTERS["people"] = export_people


AUDIT_COLUMNS = [
    "at",
    "viewer_email",
    "viewer_name",
    "viewer_slack_user_id",
    "group",
    "group_person_email",
    "group_person_name",
    "group_team_key",
    "action",
    "detail",
]


def export_audit(session: Session, *, week: IsoWeek | None, fmt: str, out: TextIO) -> int:
    """The audit trail: who viewed which group's numbers, how and when (one row per view).

    An empty viewer is someone forgotten, or an operator; an admin outside the people file has only a Slack id.
    The group is `tree` (everyone below the group person then), `team` (everyone in the team then), `person`
    (the group person alone) or `everyone`; an empty group person of a tree is someone forgotten.
    """
    viewer, root = aliased(Person), aliased(Person)
    query = (
        select(
            AuditView.at,
            viewer.email,
            viewer.name,
            func.coalesce(viewer.slack_user_id, AuditView.viewer_slack_user_id),
            AuditView.scope,
            root.email,
            root.name,
            AuditView.team_key,
            AuditView.action,
            AuditView.detail,
        )
        .outerjoin(viewer, viewer.id == AuditView.viewer_person_id)
        .outerjoin(root, root.id == AuditView.root_person_id)
        .order_by(AuditView.at, AuditView.id)
    )
    if week is not None:
        start = datetime.combine(week.start, time(0), tzinfo=UTC)
        query = query.where(AuditView.at >= start, AuditView.at < start + timedelta(days=7))
    return write_rows(out, AUDIT_COLUMNS, session.execute(query.execution_options(yield_per=STREAM_ROWS)), fmt)


EXPORTERS["audit"] = export_audit


AWARD_COLUMNS = ["week", "title", "email", "name", "metric_value", "streak_weeks"]


def export_awards(session: Session, *, week: IsoWeek | None, fmt: str, out: TextIO) -> int:
    """Titles held, per week (what the digests showed)."""
    query = (
        select(Award.week_start, Award.title_key, Person.email, Person.name, Award.metric_value, Award.streak_weeks)
        .join(Person, Person.id == Award.person_id)
        .order_by(Award.week_start, Award.title_key, Person.email)
    )
    if week is not None:
        query = query.where(Award.week_start == week.start)
    rows = (
        (
            str(IsoWeek.containing(start)),
            key,
            email or "",
            name or "",
            Decimal(value).normalize() if value is not None else None,  # a number (write_rows writes it as before)
            streak,
        )
        for start, key, email, name, value, streak in session.execute(query.execution_options(yield_per=STREAM_ROWS))
    )
    return write_rows(out, AWARD_COLUMNS, rows, fmt)


EXPORTERS["awards"] = export_awards


ARTIFACT_COLUMNS = [
    "id",  # what `buildboard artifacts override ID` takes
    "week",
    "email",
    "title",
    "url",
    "kind",
    "hours_saved_per_week",
    "work_units",
    "work_units_source",
    "estimate_work_units",
    "estimate_category",
    "estimate_summary",
    "estimate_model",
    "estimated_at",
    "override_work_units",
    "tokens_snapshot",
    "spend_snapshot_usd",
    "share_in_channel",
    "created_at",
    "counted",  # does it count toward work units and rank
    "endorsements",  # distinct colleagues who clicked "I use this"
    "work_units_contributed",  # what it adds to its author's week (0 when not counted)
]


def artifact_rows(session: Session, week: IsoWeek | None, *, cap: int = DEFAULT_CAP) -> Iterator[tuple[Any, ...]]:
    # Counted: one of the first `cap` artifacts of its person-week, in sharing order (bot/db/output.py).
    ranked = ranked_artifacts(None if week is None else [week.start])
    counted = counted_rule(ranked, cap)
    endorsements = (
        select(func.count(func.distinct(Endorsement.endorser_id)))
        .where(Endorsement.artifact_id == Artifact.id)
        .scalar_subquery()
    )
    query = (
        select(
            Artifact.id,
            Artifact.week_start,
            Person.email,
            Artifact.title,
            Artifact.url,
            Artifact.kind,
            Artifact.hours_saved_per_week,
            Artifact.work_units,
            Artifact.work_units_source,
            Artifact.work_units_estimate,
            Artifact.estimate_category,
            Artifact.estimate_summary,
            Artifact.estimate_model,
            Artifact.estimated_at,
            Artifact.work_units_override,
            Artifact.tokens_snapshot,
            Artifact.spend_snapshot_usd,
            Artifact.share_in_channel,
            Artifact.created_at,
            counted,
            endorsements,
            case((counted, Artifact.work_units), else_=literal(Decimal(0), Artifact.work_units.type)),
        )
        .join(Person, Person.id == Artifact.person_id)
        .join(ranked, ranked.c.artifact_id == Artifact.id)
        .order_by(Artifact.week_start, Person.email, Artifact.id)
    )
    if week is not None:
        query = query.where(Artifact.week_start == week.start)
    for artifact_id, week_start, email, *rest in session.execute(query.execution_options(yield_per=STREAM_ROWS)):
        yield (artifact_id, str(IsoWeek.containing(week_start)), email or "", *rest)


def export_artifacts(session: Session, *, week: IsoWeek | None, fmt: str, out: TextIO) -> int:
    """One row per artifact: who, what, and the week's tokens and spend behind it."""
    return write_rows(out, ARTIFACT_COLUMNS, artifact_rows(session, week), fmt)


EXPORTERS["artifacts"] = export_artifacts


SEAT_COLUMNS = ["email", "tool", "plan", "monthly_usd", "last_active_day", "idle"]


def export_seats(session: Session, *, prices: SeatPrices, today: date, idle_days: int, fmt: str, out: TextIO) -> int:
    """`buildboard export seats`: every seat held today, its monthly price, last active day and whether it is idle."""
    from bot.services.seats import seat_views

    rows = (
        (v.email or "", v.tool, v.plan, v.monthly_usd, v.last_active_day, "true" if v.idle else "false")
        for v in seat_views(session, prices, today=today, idle_days=idle_days)
    )
    return write_rows(out, SEAT_COLUMNS, rows, fmt)


EVIDENCE_COLUMNS = [
    "email",
    "repository",
    "number",
    "title",
    "merged_at",
    "ai_tool",
    "work_units",
    "counted",
    "reason",  # why it does not count
]


def export_evidence(
    session: Session, *, week: IsoWeek | None, fmt: str, out: TextIO, units_per_pr: Decimal = DEFAULT_UNITS_PER_PR
) -> int:
    """One row per merged pull request read from GitHub: who, which, whether it counts and what it adds."""
    from bot.services.evidence import evidence_rows

    rows = evidence_rows(session, [week] if week else None, units_per_pr=units_per_pr)
    return write_rows(
        out,
        EVIDENCE_COLUMNS,
        (
            (
                r.email or "",
                r.repository,
                r.number,
                r.title,
                r.merged_at,
                r.ai_tool or "",
                r.work_units,
                r.counted,
                r.reason or "",
            )
            for r in rows
        ),
        fmt,
    )


EXPORTERS["evidence"] = export_evidence
