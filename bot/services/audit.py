"""The audit trail: every time someone views another person's numbers, a row says who, whose, what and when."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from bot.db.models import AuditEvent

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
