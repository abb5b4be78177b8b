"""`/buildboard me data`: exactly what Buildboard stores about the caller (a subject access request)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, aliased

from bot.db.models import (
    Artifact,
    AuditView,
    Award,
    CodeActivityDaily,
    Endorsement,
    Nudge,
    OutboxMessage,
    Person,
    Seat,
    UsageDaily,
    VerifiedPullRequest,
)
from bot.db.usage_weekly import week_start_of
from bot.domain.periods import IsoWeek
from bot.domain.reports import StoredAbout
from bot.services.audit import views_seen_by
from bot.services.flags import flags_for_people
from bot.settings import Settings

PROFILE_FIELDS = (
    "email",
    "name",
    "team",
    "slack_user_id",
    "timezone",
    "slack_timezone",
    "in_org",
    "active",
    "created_at",
    "updated_at",
)
PREFERENCE_FIELDS = ("nudges_enabled", "public_opt_out")


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def stored_about(
    session: Session, person: Person, *, flags_week: IsoWeek | None = None, settings: Settings | None = None
) -> StoredAbout:
    """Read every table that refers to `person` (aggregated in SQL where it is a series of days).

    With `flags_week` and `settings`, also the flags a manager sees about that week.
    """
    manager = session.get(Person, person.manager_id) if person.manager_id else None
    profile = {f: getattr(person, f) for f in PROFILE_FIELDS}
    profile["manager"] = (manager.name or manager.email) if manager else None
    if person.github_login:
        profile["github_login"] = person.github_login

    week = week_start_of(UsageDaily.day).label("week")
    usage = [
        {
            "week_start": _as_date(w),
            "provider": provider,
            "model": model,
            "tokens": int(tokens),
            "spend_usd": Decimal(cost),
            "active_days": int(days),
        }
        for w, provider, model, tokens, cost, days in session.execute(
            select(
                week,
                UsageDaily.provider,
                UsageDaily.model,
                func.sum(UsageDaily.input_tokens + UsageDaily.output_tokens),
                func.sum(UsageDaily.cost_usd),
                func.count(func.distinct(UsageDaily.day)),
            )
            .where(UsageDaily.person_id == person.id)
            .group_by(week, UsageDaily.provider, UsageDaily.model)
            .order_by(week.desc(), UsageDaily.provider, UsageDaily.model)
        )
    ]
    code_week = week_start_of(CodeActivityDaily.day).label("week")
    code = [
        {
            "week_start": _as_date(w),
            "provider": provider,
            "sessions": int(sessions),
            "lines_added": int(added),
            "lines_removed": int(removed),
            "commits": int(commits),
            "pull_requests": int(prs),
        }
        for w, provider, sessions, added, removed, commits, prs in session.execute(
            select(
                code_week,
                CodeActivityDaily.provider,
                func.sum(CodeActivityDaily.sessions),
                func.sum(CodeActivityDaily.lines_added),
                func.sum(CodeActivityDaily.lines_removed),
                func.sum(CodeActivityDaily.commits),
                func.sum(CodeActivityDaily.pull_requests),
            )
            .where(CodeActivityDaily.person_id == person.id)
            .group_by(code_week, CodeActivityDaily.provider)
            .order_by(code_week.desc(), CodeActivityDaily.provider)
        )
    ]
    artifacts = [
        {
            "week_start": a.week_start,
            "title": a.title,
            "url": a.url,
            "description": a.description,
            "kind": a.kind,
            "hours_saved_per_week": a.hours_saved_per_week,
            "share_in_channel": a.share_in_channel,
            "tokens_snapshot": a.tokens_snapshot,
            "spend_snapshot_usd": a.spend_snapshot_usd,
            "work_units": a.work_units,
            "work_units_source": a.work_units_source,
            "estimate_category": a.estimate_category,
            "estimate_summary": a.estimate_summary,
            "created_at": a.created_at,
        }
        for a in session.scalars(
            select(Artifact).where(Artifact.person_id == person.id).order_by(Artifact.week_start.desc(), Artifact.id)
        )
    ]
    nudges = [
        {
            "week_start": n.week_start,
            "status": n.status,
            "tokens": n.tokens,
            "spend_usd": n.spend_usd,
            "rank": n.rank,
            "reason": n.reason,
            "reason_text": n.reason_text,
            "answered_at": n.answered_at,
        }
        for n in session.scalars(select(Nudge).where(Nudge.person_id == person.id).order_by(Nudge.week_start.desc()))
    ]
    awards = [
        {
            "week_start": a.week_start,
            "title": a.title_key,
            "metric_value": a.metric_value,
            "streak_weeks": a.streak_weeks,
        }
        for a in session.scalars(select(Award).where(Award.person_id == person.id).order_by(Award.week_start.desc()))
    ]
    viewer = aliased(Person)
    viewed_by = [
        {"at": at, "viewer": name or "someone no longer here (or an operator)", "action": action}
        for at, name, action in session.execute(
            select(AuditView.at, viewer.name, AuditView.action)
            .outerjoin(viewer, viewer.id == AuditView.viewer_person_id)
            .where(AuditView.id.in_(views_seen_by(person.id)))
            .order_by(AuditView.at.desc(), AuditView.id.desc())
        )
    ]
    messages = dict(
        session.execute(
            select(OutboxMessage.kind, func.count())
            .where(OutboxMessage.person_id == person.id)
            .group_by(OutboxMessage.kind)
            .order_by(OutboxMessage.kind)
        ).all()
    )
    flags = []
    if flags_week is not None and settings is not None:
        flags = [
            {"week": str(f.week), "kind": str(f.kind), "detail": f.detail}
            for f in flags_for_people(session, [person.id], flags_week, settings).get(person.id, [])
        ]
    return StoredAbout(
        profile=profile,
        preferences={f: getattr(person, f) for f in PREFERENCE_FIELDS},
        usage_by_week=usage,
        code_activity_by_week=code,
        artifacts=artifacts,
        nudges=nudges,
        awards=awards,
        viewed_by=viewed_by,
        messages={k: int(v) for k, v in messages.items()},
        flags=flags,
        seats=[
            {
                "tool": seat.tool,
                "plan": seat.plan,
                "source": seat.source,
                "held_since": seat.held_since,
                "ended_on": seat.ended_on,
                "last_active_day": seat.last_active_day,
            }
            for seat in session.scalars(select(Seat).where(Seat.person_id == person.id).order_by(Seat.tool))
        ],
        verified_pull_requests=_pull_requests_of(session, person),
        endorsements=_endorsements_of(session, person),
    )


def _pull_requests_of(session: Session, person: Person) -> list[dict[str, Any]]:
    return [
        {
            "merged_at": pr.merged_at,
            "repository": pr.repository,
            "number": pr.number,
            "title": pr.title,
            "ai_tool": pr.ai_tool,
            "counted": pr.counted,
            "reason": pr.reason,
        }
        for pr in session.scalars(
            select(VerifiedPullRequest)
            .where(VerifiedPullRequest.person_id == person.id)
            .order_by(VerifiedPullRequest.merged_at.desc())
        )
    ]


def _endorsements_of(session: Session, person: Person) -> list[dict[str, Any]]:
    """Endorsements they gave (with the artifact) and received (with who gave them: their own artifacts)."""
    other = aliased(Person)
    rows = session.execute(
        select(Endorsement, Artifact.title, other.name)
        .join(Artifact, Artifact.id == Endorsement.artifact_id)
        .join(
            other,
            other.id
            == case((Endorsement.endorser_id == person.id, Endorsement.author_id), else_=Endorsement.endorser_id),
        )
        .where(or_(Endorsement.endorser_id == person.id, Endorsement.author_id == person.id))
        .order_by(Endorsement.created_at.desc(), Endorsement.id)
    ).all()
    return [
        {
            "week_start": e.week_start,
            "direction": "given" if e.endorser_id == person.id else "received",
            "artifact": title,
            "colleague": name,
        }
        for e, title, name in rows
    ]
