"""The audit trail: every time someone views another person's numbers, a row says who, whose, what and when."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, aliased

from bot.db.models import AuditEvent, Person

AUDIT_BATCH = 5_000


def record_views(
    session: Session,
    *,
    viewer_id: int | None,
    subject_ids: Iterable[int],
    action: str,
    detail: str | None,
    now: datetime,
) -> int:
    """Record that `viewer_id` saw the numbers of each subject (never of themselves); returns rows written."""
    rows = [
        {
            "viewer_person_id": viewer_id,
            "subject_person_id": subject,
            "action": action,
            "detail": (detail or "")[:300] or None,
            "at": now,
        }
        for subject in dict.fromkeys(subject_ids)
        if subject != viewer_id
    ]
    for start in range(0, len(rows), AUDIT_BATCH):
        session.execute(insert(AuditEvent), rows[start : start + AUDIT_BATCH])
    return len(rows)


VIEWS_SHOWN_DAYS = 90


@dataclass(frozen=True)
class ViewedBy:
    """Who looked at a person's numbers, how (team | user | export), how often and when last."""

    viewer_name: str | None  # None: the viewer was forgotten, or it was the command line
    viewer_slack_user_id: str | None
    action: str
    times: int
    last_at: datetime


def views_of(session: Session, person_id: int, *, now: datetime, days: int = VIEWS_SHOWN_DAYS) -> list[ViewedBy]:
    """Who viewed `person_id`'s numbers in the last `days` days, most recent first (aggregated in SQL)."""
    viewer = aliased(Person)
    rows = session.execute(
        select(
            viewer.name,
            viewer.slack_user_id,
            AuditEvent.action,
            func.count(),
            func.max(AuditEvent.at),
        )
        .outerjoin(viewer, viewer.id == AuditEvent.viewer_person_id)
        .where(AuditEvent.subject_person_id == person_id, AuditEvent.at >= now - timedelta(days=days))
        .group_by(AuditEvent.viewer_person_id, viewer.name, viewer.slack_user_id, AuditEvent.action)
        .order_by(func.max(AuditEvent.at).desc())
    ).all()
    return [ViewedBy(name, slack_id, action, int(times), last) for name, slack_id, action, times, last in rows]
