"""What services hand to delivery: message intents (what to say, to whom, once) and the report of a run.

An intent names its kind and the few values the message is built from; the delivery adapter
(bot/slack/) renders it when it sends, from the database as it is then. So a digest queued during
a Slack outage names nobody who opted out, left or was erased before it went out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class MessageKind(StrEnum):
    """The kinds of scheduled message; stored in the outbox's `kind` column."""

    DIGEST = "digest"
    DIGEST_THREAD = "digest_thread"
    DIGEST_CHART = "digest_chart"
    NUDGE = "nudge"
    REMINDER = "reminder"
    SHOWCASE = "showcase"
    IDLE_SEAT = "idle_seat"  # a monthly, friendly DM to someone with a seat they have not used
    # Rows queued before intents existed carried their rendered payload; "file" was the chart upload.
    FILE = "file"


# A DM to a person whose Slack id was unknown when queued: looked up by email when sending.
PERSON_CHANNEL_PREFIX = "person:"


def person_channel(person_id: int) -> str:
    return f"{PERSON_CHANNEL_PREFIX}{person_id}"


def dm_channel(slack_user_id: str | None, person_id: int) -> str:
    """Where a person's DM goes: their Slack id, or person:<id> to look it up by email when sending."""
    return slack_user_id or person_channel(person_id)


@dataclass(frozen=True)
class MessageIntent:
    """One message to send exactly once: its key, kind, recipient and the values it is built from."""

    key: str
    kind: MessageKind
    channel: str
    params: dict[str, Any]  # JSON values only: stored as the outbox row's payload
    person_id: int | None = None
    thread_of_key: str | None = None  # the message this one replies to in a thread (sent first)
    not_before: datetime | None = None


@dataclass(frozen=True)
class HeldClaims:
    """Outbox rows another live sender is working on: how many, and when the last of their claims runs out."""

    count: int
    until: datetime


@dataclass
class DeliveryReport:
    """What one run of the sender did."""

    sent: int = 0
    reconciled: int = 0
    failed: int = 0
    deferred: int = 0
    rate_limited: int = 0
    retried: int = 0
    errors: list[str] = field(default_factory=list)
