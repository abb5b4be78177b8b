"""The outbox: every message sent on a schedule is a row with an idempotency key.

A row holds the message's intent (its kind and the values it is built from); the sender renders
it when it sends. Rows queued by an earlier version hold rendered text and blocks: sent as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import OutboxMessage
from bot.db.upsert import insert_ignore
from bot.domain.delivery import MessageIntent


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


def queue(session: Session, intent: MessageIntent, now: datetime) -> Enqueued:
    """Queue `intent` once (by its key), in the caller's transaction."""
    return enqueue(
        session,
        key=intent.key,
        kind=intent.kind.value,
        channel=intent.channel,
        payload=intent.params,
        now=now,
        person_id=intent.person_id,
        thread_of_key=intent.thread_of_key,
        not_before=intent.not_before,
    )


def requeue_if_unsent(queued: Enqueued, intent: MessageIntent, now: datetime) -> None:
    """An unsent row from an earlier run (e.g. the bot was not in the channel) is tried again with `intent`."""
    if not queued.created and queued.message.status in ("pending", "failed"):
        queued.message.payload = intent.params
        queued.message.status, queued.message.not_before, queued.message.last_error = "pending", now, None


def find(session: Session, key: str) -> OutboxMessage | None:
    return session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).first()
