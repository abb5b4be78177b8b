"""Sending the outbox to Slack: claim rows, send each once, record Slack's ts.

Slack has no idempotency key, so a row that was in flight when a process died is
reconciled before it is sent again: every message carries its outbox key in Slack
message metadata, and `conversations.history` is searched for it.
"""

from __future__ import annotations

import base64
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import AppState, OutboxMessage, Person
from bot.domain.clock import Clock, system_clock

log = logging.getLogger(__name__)

METADATA_EVENT = "buildboard_outbox"
CLAIM_SECONDS = 120
# Errors that no retry will fix for this message: record why and stop trying it.
PERMANENT_ERRORS = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "user_not_found",
    "users_not_found",
    "cannot_dm_bot",
    "user_disabled",
    "invalid_blocks",
    "invalid_blocks_format",
    "msg_too_long",
    "no_text",
    "msg_blocks_too_long",
    "restricted_action",
    "invalid_arguments",
    "too_many_attachments",
}
# Errors that mean the app itself cannot send: stop the whole run until an operator fixes it.
AUTH_ERRORS = {
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "account_inactive",
    "token_expired",
    "app_uninstalled",
    "team_access_not_granted",
    "missing_scope",
}
AUTH_STATE_KEY = "slack_auth_error"
# A channel of "person:<id>": a DM to a person whose Slack id is looked up by email when sending.
PERSON_CHANNEL_PREFIX = "person:"


class _FakeAnswer(dict):
    """Lets an error we detect ourselves travel the same path as Slack's `{"ok": false}` answers."""

    def __init__(self, error: str) -> None:
        super().__init__(ok=False, error=error)
        self.status_code = 200
        self.headers: dict = {}


class SlackAuthBroken(RuntimeError):
    """Slack refused the app's token: nothing can be sent until an operator fixes it."""


@dataclass
class Pacer:
    """Keeps to Slack's posting limits: ~1 message per second per channel and a workspace-wide budget."""

    per_channel_interval: float = 1.0
    workspace_interval: float = 0.0
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    _last_in_channel: dict[str, float] = field(default_factory=dict)
    _last_any: float = float("-inf")
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, channel: str) -> None:
        with self._lock:
            now = self.monotonic()
            ready = max(
                self._last_in_channel.get(channel, float("-inf")) + self.per_channel_interval,
                self._last_any + self.workspace_interval,
            )
            if ready > now:
                self.sleep(ready - now)
                now = self.monotonic()
            self._last_in_channel[channel] = now
            self._last_any = now

    def back_off(self, seconds: float) -> None:
        """Slack said 429: nobody posts for `seconds`."""
        with self._lock:
            self._last_any = max(self._last_any, self.monotonic() + seconds - self.workspace_interval)


@dataclass
class DeliveryReport:
    sent: int = 0
    reconciled: int = 0
    failed: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


class OutboxSender:
    """Delivers due outbox rows. Safe to run in several processes at once."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        client: WebClient,
        *,
        clock: Clock = system_clock,
        pacer: Pacer | None = None,
        worker_id: str | None = None,
    ) -> None:
        self._sessions = session_factory
        self._client = client
        self._clock = clock
        self._pacer = pacer or Pacer()
        self._worker = worker_id or default_worker_id()
        self._dm_channels: dict[str, str] = {}

    # -- claiming -------------------------------------------------------------------------------------------
    def _due(self, now: datetime):
        return or_(
            and_(OutboxMessage.status == "pending", OutboxMessage.not_before <= now),
            and_(OutboxMessage.status == "sending", OutboxMessage.claimed_until < now),
        )

    def claim(self, limit: int, keys: list[str] | None = None) -> list[tuple[int, bool]]:
        """Claim up to `limit` due rows: (id, was_in_flight). Two senders never claim the same row."""
        now = self._clock()
        with self._sessions.begin() as session:
            query = select(OutboxMessage.id, OutboxMessage.status).where(self._due(now))
            if keys is not None:
                query = query.where(OutboxMessage.idempotency_key.in_(keys))
            query = query.order_by(OutboxMessage.id).limit(limit)
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            candidates = session.execute(query).all()
            claimed: list[tuple[int, bool]] = []
            for row_id, status in candidates:
                # The WHERE re-checks due-ness, so a row taken by another sender meanwhile is skipped.
                result = session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == row_id, self._due(now))
                    .values(
                        status="sending",
                        claimed_by=self._worker,
                        claimed_until=now + timedelta(seconds=CLAIM_SECONDS),
                        attempts=OutboxMessage.attempts + 1,
                    )
                )
                if result.rowcount == 1:
                    claimed.append((row_id, status == "sending"))
            return claimed

    # -- sending --------------------------------------------------------------------------------------------
    def send_due(self, *, limit: int = 500, keys: list[str] | None = None) -> DeliveryReport:
        """Send what is due now (optionally only `keys`); returns what happened."""
        report = DeliveryReport()
        if self.auth_error() is not None:
            report.errors.append(f"Slack refused the bot token earlier ({self.auth_error()}); not sending")
            return report
        while True:
            claimed = self.claim(min(limit, 50), keys)
            if not claimed:
                return report
            for position, (row_id, in_flight) in enumerate(claimed):
                try:
                    self._deliver(row_id, in_flight, report)
                except SlackAuthBroken as exc:
                    self._release([rid for rid, _ in claimed[position:]], delay=0)
                    report.errors.append(str(exc))
                    return report
            limit -= len(claimed)
            if limit <= 0:
                return report

    def _deliver(self, row_id: int, in_flight: bool, report: DeliveryReport) -> None:
        with self._sessions() as session:
            message = session.get(OutboxMessage, row_id)
            assert message is not None
            key, kind, channel = message.idempotency_key, message.kind, message.channel
            payload, parent_key = dict(message.payload), message.thread_of_key
            created_at = message.created_at
        thread_ts = None
        if parent_key:
            with self._sessions() as session:
                parent = session.scalars(
                    select(OutboxMessage).where(OutboxMessage.idempotency_key == parent_key)
                ).first()
            if parent is None or parent.status != "sent":
                self._release([row_id], delay=30, error=f"waiting for {parent_key} to be sent first")
                report.deferred += 1
                return
            thread_ts, channel = parent.sent_ts, parent.sent_channel or channel
        try:
            target = self._open_channel(channel)
            if in_flight and kind != "file":
                found = self._find_sent(target, key, created_at, thread_ts)
                if found is not None:
                    self._mark_sent(row_id, target, found)
                    report.reconciled += 1
                    return
            self._pacer.wait_for(target)
            ts = self._post(kind, target, key, payload, thread_ts)
        except SlackApiError as exc:
            self._handle_error(row_id, key, channel, exc, report)
            return
        except (OSError, TimeoutError) as exc:  # network trouble after the SDK's own retries
            self._release([row_id], delay=60, error=f"network: {type(exc).__name__}")
            report.deferred += 1
            return
        self._mark_sent(row_id, target, ts)
        report.sent += 1

    def _open_channel(self, channel: str) -> str:
        if channel.startswith(PERSON_CHANNEL_PREFIX):
            channel = self._person_slack_id(int(channel[len(PERSON_CHANNEL_PREFIX) :]))
        if channel[:1] not in ("U", "W"):
            return channel
        if channel not in self._dm_channels:
            answer = self._client.conversations_open(users=channel)
            self._dm_channels[channel] = answer["channel"]["id"]
        return self._dm_channels[channel]

    def _person_slack_id(self, person_id: int) -> str:
        """A DM to someone whose Slack id was unknown when queued: users.lookupByEmail, remembered.

        Slack's `users_not_found` propagates and fails the row permanently with that reason.
        """
        with self._sessions() as session:
            person = session.get(Person, person_id)
            if person is None or not person.email:
                raise SlackApiError("person unknown", _FakeAnswer("users_not_found"))
            if person.slack_user_id:
                return person.slack_user_id
            email = person.email
        user = self._client.users_lookupByEmail(email=email).get("user") or {}
        slack_id = user.get("id")
        if not slack_id:
            raise SlackApiError("no user id", _FakeAnswer("users_not_found"))
        with self._sessions.begin() as session:
            person = session.get(Person, person_id)
            if person is not None and not person.slack_user_id:
                person.slack_user_id = slack_id
                person.slack_timezone = user.get("tz") or person.slack_timezone
        return slack_id

    def _find_sent(self, channel: str, key: str, created_at: datetime, thread_ts: str | None) -> str | None:
        """The ts of a message already posted for `key` (replies live in their thread, not the history)."""
        oldest = f"{created_at.timestamp() - 60:.6f}"
        if thread_ts:
            answer = self._client.conversations_replies(
                channel=channel, ts=thread_ts, oldest=oldest, limit=200, include_all_metadata=True
            )
        else:
            answer = self._client.conversations_history(
                channel=channel, oldest=oldest, limit=200, include_all_metadata=True
            )
        for item in answer.get("messages", []):
            metadata = item.get("metadata") or {}
            if (
                metadata.get("event_type") == METADATA_EVENT
                and (metadata.get("event_payload") or {}).get("outbox_key") == key
            ):
                return item.get("ts")
        return None

    def _post(self, kind: str, channel: str, key: str, payload: dict, thread_ts: str | None) -> str | None:
        if kind == "file":
            answer = self._client.files_upload_v2(
                channel=channel,
                content=base64.b64decode(payload["content_b64"]),
                filename=payload["filename"],
                title=payload.get("title"),
                initial_comment=payload.get("initial_comment"),
                thread_ts=thread_ts,
            )
            files = answer.get("files") or [answer.get("file") or {}]
            return (files[0] or {}).get("id")
        answer = self._client.chat_postMessage(
            channel=channel,
            text=payload.get("text", ""),
            blocks=payload.get("blocks"),
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
            metadata={"event_type": METADATA_EVENT, "event_payload": {"outbox_key": key}},
        )
        return answer.get("ts")

    # -- outcomes -------------------------------------------------------------------------------------------
    def _handle_error(self, row_id: int, key: str, channel: str, exc: SlackApiError, report: DeliveryReport) -> None:
        error = str(exc.response.get("error") or f"http_{exc.response.status_code}")
        if error in AUTH_ERRORS:
            self._set_auth_error(error)
            self._release([row_id], delay=0, error=error)
            log.error("Slack refused the bot token (%s): sending stopped until it is fixed", error)
            raise SlackAuthBroken(f"Slack refused the bot token ({error}); fix SLACK_BOT_TOKEN or reinstall the app")
        if error in PERMANENT_ERRORS:
            with self._sessions.begin() as session:
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == row_id)
                    .values(status="failed", last_error=error, claimed_by=None, claimed_until=None)
                )
            log.warning("gave up on %s to %s: %s", key, channel, error)
            report.failed += 1
            report.errors.append(f"{key}: {_explain(error, channel)}")
            return
        retry_after = float(exc.response.headers.get("Retry-After", 0) or 0) if exc.response.headers else 0.0
        if error == "ratelimited" or exc.response.status_code == 429:
            self._pacer.back_off(retry_after or 1)
        delay = max(retry_after, 30.0)
        self._release([row_id], delay=delay, error=error)
        log.warning("will retry %s in %.0fs: %s", key, delay, error)
        report.deferred += 1

    def _release(self, row_ids: list[int], *, delay: float, error: str | None = None) -> None:
        if not row_ids:
            return
        now = self._clock()
        values: dict = {
            "status": "pending",
            "claimed_by": None,
            "claimed_until": None,
            "not_before": now + timedelta(seconds=delay),
        }
        if error is not None:
            values["last_error"] = error[:500]
        with self._sessions.begin() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(row_ids), OutboxMessage.status == "sending")
                .values(**values)
            )

    def _mark_sent(self, row_id: int, channel: str, ts: str | None) -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id)
                .values(
                    status="sent",
                    sent_channel=channel,
                    sent_ts=ts,
                    sent_at=self._clock(),
                    claimed_by=None,
                    claimed_until=None,
                    last_error=None,
                )
            )

    # -- auth state -----------------------------------------------------------------------------------------
    def auth_error(self) -> str | None:
        with self._sessions() as session:
            state = session.get(AppState, AUTH_STATE_KEY)
            return state.value if state is not None and state.value else None

    def _set_auth_error(self, error: str | None) -> None:
        with self._sessions.begin() as session:
            state = session.get(AppState, AUTH_STATE_KEY)
            if state is None:
                session.add(AppState(key=AUTH_STATE_KEY, value=error, updated_at=self._clock()))
            else:
                state.value, state.updated_at = error, self._clock()

    def clear_auth_error(self) -> None:
        """Called when Slack accepts the token again (auth.test succeeds)."""
        self._set_auth_error(None)


def _explain(error: str, channel: str) -> str:
    if error == "not_in_channel":
        return f"the bot is not a member of channel {channel}: invite it with /invite @Buildboard, then run again"
    if error == "channel_not_found":
        return f"channel {channel} does not exist or the bot cannot see it: check BUILDBOARD_DIGEST_CHANNEL"
    if error == "is_archived":
        return f"channel {channel} is archived"
    if error == "users_not_found" and channel.startswith(PERSON_CHANNEL_PREFIX):
        return (
            f"no Slack user has the email of person {channel[len(PERSON_CHANNEL_PREFIX) :]}: "
            "add their slack_user_id to the people file"
        )
    return f"Slack answered {error} for {channel}"
