"""The audit trail: every time someone views another person's numbers, a row says who, whose, what and when."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session, aliased

from bot.db.models import AuditEvent, Person, UtcDateTime
from bot.domain.reports import VIEWS_SHOWN_DAYS, ViewedBy


def record_views(
    session: Session,
    *,
    viewer_id: int | None,
    subject_ids: Iterable[int],
    action: str,
    detail: str | None,
    now: datetime,
    viewer_slack_user_id: str | None = None,
) -> int:
    """Record that `viewer_id` saw the numbers of each subject (never of themselves); returns rows written.

    A viewer outside the people file (an admin given by Slack id) has no `viewer_id`: the row keeps
    their Slack id instead, so the people they looked at see who it was. A known viewer's Slack id is
    not copied: it is read from the people file, and erased with them.

    One statement whatever the number of subjects (a manager of 5,000 writes 5,000 rows per view):
    the ids travel as one array (PostgreSQL) or one JSON list (SQLite) and the database expands them.
    """
    subjects = [subject for subject in dict.fromkeys(subject_ids) if subject != viewer_id]
    if not subjects:
        return 0
    dialect = session.get_bind().dialect.name
    ids: list[int] | str  # an array for PostgreSQL, JSON text for SQLite
    if dialect == "postgresql":
        expanded, ids = "unnest(CAST(:ids AS integer[])) AS subject(value)", subjects
    else:
        expanded, ids = "json_each(:ids) AS subject", json.dumps(subjects)
    statement = text(
        "INSERT INTO audit_events (viewer_person_id, viewer_slack_user_id, subject_person_id, action, detail, at) "
        f"SELECT :viewer, :viewer_slack, subject.value, :action, :detail, :at FROM {expanded}"
    ).bindparams(bindparam("at", type_=UtcDateTime()))
    session.execute(
        statement,
        {
            "viewer": viewer_id,
            "viewer_slack": viewer_slack_user_id if viewer_id is None else None,
            "ids": ids,
            "action": action,
            "detail": (detail or "")[:300] or None,
            "at": now,
        },
    )
    return len(subjects)


def views_of(session: Session, person_id: int, *, now: datetime, days: int = VIEWS_SHOWN_DAYS) -> list[ViewedBy]:
    """Who viewed `person_id`'s numbers in the last `days` days, most recent first (aggregated in SQL).

    A viewer outside the people file is shown by the Slack id their rows kept.
    """
    viewer = aliased(Person)
    rows = session.execute(
        select(
            viewer.name,
            func.coalesce(viewer.slack_user_id, AuditEvent.viewer_slack_user_id),
            AuditEvent.action,
            func.count(),
            func.max(AuditEvent.at),
        )
        .outerjoin(viewer, viewer.id == AuditEvent.viewer_person_id)
        .where(AuditEvent.subject_person_id == person_id, AuditEvent.at >= now - timedelta(days=days))
        .group_by(
            AuditEvent.viewer_person_id,
            AuditEvent.viewer_slack_user_id,
            viewer.name,
            viewer.slack_user_id,
            AuditEvent.action,
        )
        .order_by(func.max(AuditEvent.at).desc())
    ).all()
    return [ViewedBy(name, slack_id, action, int(times), last) for name, slack_id, action, times, last in rows]
