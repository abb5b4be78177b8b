"""The audit trail read back one row per view and person seen, as "who looked at my numbers" sees it."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import AuditView, Person
from bot.services.audit import views_seen_by


def seen_per_person(session: Session, action: str | None = None) -> list[tuple[int | None, int, str]]:
    """(viewer, person whose numbers were seen, action) for every view and every person it showed."""
    rows: list[tuple[int | None, int, str]] = []
    for person_id in session.scalars(select(Person.id).order_by(Person.id)):
        query = select(AuditView.viewer_person_id, AuditView.action).where(AuditView.id.in_(views_seen_by(person_id)))
        if action is not None:
            query = query.where(AuditView.action == action)
        rows += [(viewer, person_id, seen_action) for viewer, seen_action in session.execute(query)]
    return rows


def views_recorded(session: Session, action: str) -> int:
    """Rows in the audit trail for `action`: one per view."""
    return int(session.scalar(select(func.count()).select_from(AuditView).where(AuditView.action == action)) or 0)
