"""The outbox: every message sent on a schedule is a row with an idempotency key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import OutboxMessage
from bot.db.upsert import insert_ignore


@dataclass(frozen=True)
class Enqueued:
    message: OutboxMessage
    created: bool


def enqueue(
    session: Session,
    *,
    key: str,
    kind: str,
    channel: str,
    payload: dict[str, Any],
    now: datetime,
    person_id: int | None = None,
    thread_of_key: str | None = None,
    not_before: datetime | None = None,
) -> Enqueued:
    """Queue a message once: a second call with the same key returns the existing row."""
    created = insert_ignore(
        session,
        OutboxMessage.__table__,
        {
            "idempotency_key": key,
            "kind": kind,
            "channel": channel,
            "payload": payload,
            "person_id": person_id,
            "thread_of_key": thread_of_key,
            "status": "pending",
            "attempts": 0,
            "not_before": not_before or now,
            "created_at": now,
        },
        key=("idempotency_key",),
    )
    message = session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).one()
    return Enqueued(message, created)


def find(session: Session, key: str) -> OutboxMessage | None:
    return session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).first()
