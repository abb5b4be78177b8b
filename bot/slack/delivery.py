"""Sending the outbox to Slack: claim rows, build each message now (rendering.py), send it exactly once,
record Slack's ts.

Slack has no idempotency key, so a post whose outcome is unknown (the process died, the answer
timed out, Slack answered 5xx) is reconciled before it is sent again: every message carries its
outbox key in Slack message metadata, and `conversations.history` (or `conversations.replies`
for thread replies) is searched for it. `outbox.posting_since` marks such rows.

Pacing: a token bucket for the workspace-wide budget and a minimum spacing per channel (a DM
is its own channel), both from settings. A 429 pauses every post for its Retry-After. The
sender picks, among the rows it has claimed, the one whose channel is free soonest, so a busy
channel never holds up the rest.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import urllib.error
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.client import HTTPException

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import OutboxMessage, Person
from bot.db.slack_auth import read_auth_error, write_auth_error
from bot.db.value_sets import in_values
from bot.domain.clock import Clock, system_clock
from bot.domain.delivery import PERSON_CHANNEL_PREFIX, DeliveryReport, HeldClaims
from bot.slack.rendering import FILE_KINDS, MessageRenderer, Rendered, SlackFile, SlackMessage

log = logging.getLogger(__name__)

METADATA_EVENT = "buildboard_outbox"
CLAIM_SECONDS = 60.0
CLAIM_POLL_SECONDS = 1.0  # how often a sender waiting for another's claims looks again
DUE_POLL_SECONDS = 0.2  # …and for due rows another sender is claiming right now
DUE_LOOKS = 10  # due rows nobody takes in 10 looks (2 s) are not being claimed: give up on them for now
BATCH = 50
# The table itself, for the two updates made per post: Core statements skip the ORM's bulk-update
# bookkeeping, a millisecond a post at 50 posts a second.
_OUTBOX = OutboxMessage.__table__
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
    "invalid_metadata_format",
    "thread_not_found",
}
# Errors that mean the app itself cannot send: stop the whole run until an operator fixes it.
AUTH_ERRORS = {
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "account_inactive",
    "token_expired",
    "app_uninstalled",
    "tokens_revoked",
    "team_access_not_granted",
    "missing_scope",
    "not_allowed_token_type",
}
# Answers after which the post may or may not be in the channel.
AMBIGUOUS_ERRORS = {"internal_error", "fatal_error", "request_timeout", "service_unavailable"}
# Network trouble: the request may have reached Slack.
NETWORK_ERRORS = (OSError, TimeoutError, urllib.error.URLError, HTTPException)
_GIVEN_UP = object()  # _render's answer when the row was failed or put back: nothing to post now


class _FakeAnswer(dict):
    """Lets an error we detect ourselves travel the same path as Slack's `{"ok": false}` answers."""

    def __init__(self, error: str) -> None:
        super().__init__(ok=False, error=error)
        self.status_code = 200
        self.headers: dict = {}


class SlackAuthBroken(RuntimeError):
    """Slack refused the app's token: nothing can be sent until an operator fixes it."""


class Pacer:
    """Keeps to Slack's posting limits: a workspace token bucket and a minimum spacing per channel.

    Not blocking: `ready_at` says when, `take` records a post and `done` its answer. Intervals run
    from the answer (see `done`), which already keeps network jitter from bringing two arrivals
    closer than the limit; `margin` (default none) widens every interval further.
    """

    def __init__(
        self,
        *,
        channel_interval: float = 1.0,
        workspace_rate: float = 5.0,
        workspace_burst: int = 1,
        margin: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
        per_channel_interval: float | None = None,  # the earlier names, still accepted
        workspace_interval: float | None = None,
    ) -> None:
        if per_channel_interval is not None:
            channel_interval = per_channel_interval
        if workspace_interval is not None:
            workspace_rate = 1 / workspace_interval if workspace_interval > 0 else 0.0
        self.channel_interval = channel_interval * (1 + margin)
        self.workspace_rate = workspace_rate / (1 + margin) if workspace_rate > 0 else 0.0
        self.workspace_burst = max(1, workspace_burst)
        self.monotonic = monotonic
        self._tokens = float(self.workspace_burst)
        self._stamp = monotonic()
        self._last_in_channel: dict[str, float] = {}
        self._taken_at: dict[str, float] = {}  # posts taken and not answered yet
        self._paused_until = float("-inf")
        self._lock = threading.Lock()

    def _refill(self, now: float) -> None:
        if self.workspace_rate:
            self._tokens = min(self.workspace_burst, self._tokens + (now - self._stamp) * self.workspace_rate)
        self._stamp = now

    def ready_at(self, channel: str) -> float:
        """The monotonic time from which a post to `channel` keeps within the limits."""
        with self._lock:
            now = self.monotonic()
            self._refill(now)
            ready = max(now, self._paused_until)
            last = self._last_in_channel.get(channel)
            if last is not None:
                ready = max(ready, last + self.channel_interval)
            if self.workspace_rate and self._tokens < 1:
                ready = max(ready, now + (1 - self._tokens) / self.workspace_rate)
            return ready

    def take(self, channel: str) -> None:
        """Record a post to `channel` now (call it once `ready_at` has passed)."""
        with self._lock:
            now = self.monotonic()
            self._refill(now)
            if self.workspace_rate:
                self._tokens -= 1
            self._last_in_channel[channel] = now
            self._taken_at[channel] = now
            if len(self._last_in_channel) > 10_000:  # forget channels whose spacing has long passed
                horizon = now - self.channel_interval
                self._last_in_channel = {c: t for c, t in self._last_in_channel.items() if t > horizon}
                self._taken_at = {c: t for c, t in self._taken_at.items() if t > horizon}

    def done(self, channel: str) -> None:
        """The post recorded by `take` has been answered: the intervals run from now, not from `take`.

        Slack stamps a post when it arrives, somewhere between our `take` and its answer. Spacing
        takes by the interval lets network and scheduling jitter bring two arrivals closer than the
        limit (a 429 and a second's pause, at 50 posts a second); spacing from the answer cannot.
        """
        with self._lock:
            now = self.monotonic()
            self._refill(now)
            taken = self._taken_at.pop(channel, now)
            if self.workspace_rate:
                # What refilled while the post was in flight does not count: as if it was taken now.
                self._tokens = min(self._tokens - (now - taken) * self.workspace_rate, self.workspace_burst - 1)
            self._last_in_channel[channel] = now

    def pause(self, seconds: float) -> None:
        """Slack said 429 with Retry-After: nobody posts for `seconds`."""
        with self._lock:
            self._paused_until = max(self._paused_until, self.monotonic() + seconds)


@dataclass
class _Item:
    """A claimed row, as the send loop sees it."""

    row_id: int
    key: str
    kind: str
    channel: str
    payload: dict
    parent_key: str | None
    created_at: datetime
    in_flight: bool  # an earlier post may have reached Slack: look for it before posting
    tries: int = 0
    ready_after: float = float("-inf")  # monotonic: local backoff after a retryable failure
    renewed: bool = False  # claim extended and posting_since set, while waiting for the pacer


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def holder_is_gone(holder: str | None) -> bool:
    """True when a claim's holder (host:pid:thread) was a process of this host that no longer exists."""
    host, _, rest = (holder or "").partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False  # another host's sender: only its claim running out says it is gone
    pid = int(pid_text)
    if pid == os.getpid():
        return False  # another thread of this process: alive
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # exists, run by another user
    return False


def _add_report(total: DeliveryReport, more: DeliveryReport) -> None:
    total.sent += more.sent
    total.reconciled += more.reconciled
    total.failed += more.failed
    total.deferred += more.deferred
    total.rate_limited += more.rate_limited
    total.retried += more.retried
    total.errors.extend(more.errors)


def without_retries(client: WebClient) -> WebClient:
    """The same client minus automatic retries: a blind resend of a post could duplicate it."""
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        headers=dict(client.headers or {}),
        retry_handlers=[],
    )


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
        claim_seconds: float = CLAIM_SECONDS,
        retry_base: float = 2.0,
        retry_cap: float = 300.0,
        local_tries: int = 4,
        sleep: Callable[[float], object] | None = None,
        renderer: MessageRenderer | None = None,
    ) -> None:
        self._sessions = session_factory
        # Builds each message when it is sent; without settings it sends DMs, showcases and rendered rows only.
        self._renderer = renderer or MessageRenderer()
        self._client = without_retries(client)
        self._clock = clock
        self._pacer = pacer or Pacer()
        self._worker = worker_id or default_worker_id()
        self._claim_seconds = claim_seconds
        self._retry_base = retry_base
        self._retry_cap = retry_cap
        self._local_tries = local_tries
        self._stop = threading.Event()
        self._sleep = sleep or self._stop.wait  # a stop request interrupts any wait
        self._dm_channels: dict[str, str] = {}

    @property
    def pacer(self) -> Pacer:
        return self._pacer

    def stop(self) -> None:
        """Finish the post in progress, hand the rest back to the outbox, return from send_due (for good)."""
        self._stop.set()

    # -- claiming -------------------------------------------------------------------------------------------
    def _due(self, now: datetime):
        return or_(
            and_(OutboxMessage.status == "pending", OutboxMessage.not_before <= now),
            and_(OutboxMessage.status == "sending", OutboxMessage.claimed_until < now),
        )

    def claim(self, limit: int, keys: list[str] | None = None) -> list[_Item]:
        """Claim up to `limit` due rows. Two senders never claim the same row.

        Two statements whatever the batch size: the due ids (locked, skipping rows another sender
        holds, on PostgreSQL), then one UPDATE … RETURNING that re-checks due-ness, so a row taken
        by another sender meanwhile is not returned.
        """
        now = self._clock()
        with self._sessions.begin() as session:
            query = select(OutboxMessage.id).where(self._due(now))
            if keys is not None:
                query = query.where(in_values(OutboxMessage.idempotency_key, keys))
            query = query.order_by(OutboxMessage.not_before, OutboxMessage.id).limit(limit)
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            candidates = session.scalars(query).all()
            if not candidates:
                return []
            rows = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(candidates), self._due(now))
                .values(
                    status="sending",
                    claimed_by=self._worker,
                    claimed_until=now + timedelta(seconds=self._claim_seconds),
                    attempts=OutboxMessage.attempts + 1,
                )
                .returning(
                    OutboxMessage.id,
                    OutboxMessage.idempotency_key,
                    OutboxMessage.kind,
                    OutboxMessage.channel,
                    OutboxMessage.payload,
                    OutboxMessage.thread_of_key,
                    OutboxMessage.created_at,
                    OutboxMessage.posting_since,
                )
            ).all()
        order = {row_id: i for i, row_id in enumerate(candidates)}
        return [
            _Item(
                row_id=row.id,
                key=row.idempotency_key,
                kind=row.kind,
                channel=row.channel,
                payload=dict(row.payload),
                parent_key=row.thread_of_key,
                created_at=row.created_at,
                in_flight=row.posting_since is not None,
            )
            for row in sorted(rows, key=lambda row: order[row.id])
        ]

    # -- sending --------------------------------------------------------------------------------------------
    def send_due(self, *, limit: int = 10_000, keys: list[str] | None = None) -> DeliveryReport:
        """Send what is due now (optionally only `keys`); returns what happened."""
        report = DeliveryReport()
        error = self.auth_error()
        if error is not None:
            report.errors.append(f"Slack refused the bot token earlier ({error}); not sending until it is fixed")
            return report
        while limit > 0 and not self._stop.is_set():
            items = self.claim(min(limit, BATCH), keys)
            if not items:
                break
            limit -= len(items)
            try:
                self._send_batch(items, report)
            except SlackAuthBroken as exc:
                report.errors.append(str(exc))
                break
        return report

    def release_abandoned(self, keys: Sequence[str]) -> int:
        """Hand back the claims on `keys` held by a dead process of this host (a `kill -9`); returns how many.

        posting_since stays, so a post the dead sender may have made is looked for before posting again.
        """
        with self._sessions.begin() as session:
            held = session.execute(
                select(OutboxMessage.id, OutboxMessage.claimed_by).where(
                    OutboxMessage.status == "sending", in_values(OutboxMessage.idempotency_key, list(keys))
                )
            ).all()
            released = 0
            for row_id, holder in held:
                if holder == self._worker or not holder_is_gone(holder):
                    continue
                result = session.connection().execute(
                    update(_OUTBOX)
                    .where(
                        OutboxMessage.id == row_id,
                        OutboxMessage.status == "sending",
                        OutboxMessage.claimed_by == holder,
                    )
                    .values(status="pending", claimed_by=None, claimed_until=None, not_before=self._clock())
                )
                released += result.rowcount
        if released:
            log.info("released %d outbox claims of a sender that is gone", released)
        return released

    def held_elsewhere(self, keys: Sequence[str]) -> HeldClaims | None:
        """The rows of `keys` another sender is working on: claimed and not finished (the claim may have just
        run out), or due and still pending after this sender's claim, which skipped them because another
        sender's claim of them is being committed (PostgreSQL's SKIP LOCKED).

        `until` is when the last claim runs out; now when only such pending rows are left.
        """
        now = self._clock()
        with self._sessions() as session:
            count, until = session.execute(
                select(func.count(), func.max(OutboxMessage.claimed_until)).where(
                    in_values(OutboxMessage.idempotency_key, list(keys)),
                    or_(
                        and_(
                            OutboxMessage.status == "sending",
                            or_(OutboxMessage.claimed_by.is_(None), OutboxMessage.claimed_by != self._worker),
                        ),
                        and_(OutboxMessage.status == "pending", OutboxMessage.not_before <= now),
                    ),
                )
            ).one()
        return HeldClaims(int(count), max(until, now) if until else now) if count else None

    def send_all(
        self, keys: Sequence[str], *, on_wait: Callable[[HeldClaims], object] | None = None, max_wait: float = 900.0
    ) -> DeliveryReport:
        """Send every due row of `keys`, also those a dead or stalled sender still claims: wait for their claims.

        Claims of a process of this host that no longer exists are released at once; others are waited
        for (their holder may still be posting), `on_wait` told each time, up to `max_wait` seconds.
        """
        report = DeliveryReport()
        deadline = time.monotonic() + max_wait
        told: HeldClaims | None = None
        unchanged = 0  # looks in a row at due rows nobody took
        while not self._stop.is_set():
            self.release_abandoned(keys)
            _add_report(report, self.send_due(keys=list(keys)))
            if self.auth_error() is not None:  # Slack refused the token: nothing due can be sent until it is fixed
                break
            held = self.held_elsewhere(keys)
            if held is None:
                break
            wait = max(0.0, (held.until - self._clock()).total_seconds())
            if wait == 0:
                # Due, and not taken by this sender: another sender's claim of them is being committed (it
                # shows in a moment); rows nobody takes in DUE_LOOKS looks are left for the next run.
                unchanged += 1
                if unchanged > DUE_LOOKS:
                    report.errors.append(f"{held.count} messages are due and could not be sent now; run again later")
                    break
                self._sleep(DUE_POLL_SECONDS)
                continue
            unchanged = 0
            if time.monotonic() + wait > deadline:
                report.errors.append(
                    f"{held.count} messages are still claimed by another sender until {held.until:%H:%M:%S} UTC; "
                    "run again after that"
                )
                break
            if on_wait is not None and (told is None or held.until > told.until):
                on_wait(held)  # once per claim we wait for, not at every look
                told = held
            # Look again soon: a live holder usually finishes long before its claim runs out.
            slept_from = self._clock()
            self._sleep(min(wait + 0.2, CLAIM_POLL_SECONDS))
            if self._clock() <= slept_from:  # a clock that does not move (a test's, the demo's): waiting is useless
                report.errors.append(f"{held.count} messages are still claimed by another sender; run again later")
                break
        return report

    def _pace_key(self, item: _Item) -> str:
        return self._dm_channels.get(item.channel, item.channel)

    def _send_batch(self, items: list[_Item], report: DeliveryReport) -> None:
        queue = list(items)
        try:
            while queue:
                if self._stop.is_set():
                    return
                # The row whose channel (and local backoff) frees up soonest goes next; a thread reply
                # never goes before its parent when both are in this batch.
                waiting_for = {i.key for i in queue}
                candidates = [i for i in queue if i.parent_key not in waiting_for] or queue
                ready, item = min(
                    ((max(self._pacer.ready_at(self._pace_key(i)), i.ready_after), i) for i in candidates),
                    key=lambda pair: pair[0],
                )
                delay = ready - self._pacer.monotonic()
                if delay > 0:
                    if not item.renewed and not item.parent_key:
                        # Renew the claim while the limits make us wait anyway, not after: at 50 posts
                        # a second its database round trip would otherwise stretch every interval.
                        if not self._renew(item):
                            queue.remove(item)
                            log.info("lost the claim on %s to another sender; leaving it to them", item.key)
                            continue
                        item.renewed = True
                        continue  # re-evaluate the wait after the round trip
                    self._sleep(delay)
                    continue  # re-evaluate: a 429 or another thread may have moved things
                queue.remove(item)
                if self._attempt(item, report):
                    queue.append(item)
        finally:
            if queue:  # stopped, or the token broke: hand the rest back for the next run
                self._release(queue, delay=0)

    def _attempt(self, item: _Item, report: DeliveryReport) -> bool:
        """One try at `item`. True: try it again later in this batch."""
        thread_ts = None
        channel = item.channel
        if item.parent_key:
            with self._sessions() as session:
                parent = session.scalars(
                    select(OutboxMessage).where(OutboxMessage.idempotency_key == item.parent_key)
                ).first()
            if parent is None or parent.status != "sent":
                self._release([item], delay=5, error=f"waiting for {item.parent_key} to be sent first")
                report.deferred += 1
                return False
            thread_ts, channel = parent.sent_ts, parent.sent_channel or channel
        renewed, item.renewed = item.renewed, False  # a retry later in the batch renews again
        if not renewed and not self._renew(item):
            log.info("lost the claim on %s to another sender; leaving it to them", item.key)
            return False
        try:
            if channel.startswith(PERSON_CHANNEL_PREFIX):
                channel = self._person_slack_id(int(channel[len(PERSON_CHANNEL_PREFIX) :]))
            if item.in_flight and item.kind not in FILE_KINDS:
                found = self._find_sent(channel, item.key, item.created_at, thread_ts)
                if found is not None:
                    self._mark_sent(item, *found)
                    report.reconciled += 1
                    log.info("%s was already in Slack (%s); recorded it, not sent again", item.key, found[1])
                    return False
                item.in_flight = False  # not in the channel: the earlier post never landed
            rendered = self._render(item, report)
            if rendered is _GIVEN_UP:
                return False
            if rendered is None:
                self._cancel(item, "nothing to send any more: what it was about was removed before it went out")
                return False
            self._pacer.take(self._pace_key(item))
            try:
                sent_channel, ts = self._post(item, channel, thread_ts, rendered)
            finally:
                self._pacer.done(self._pace_key(item))
        except SlackApiError as exc:
            return self._handle_error(item, exc, report)
        except NETWORK_ERRORS as exc:  # the request may have reached Slack: reconcile before resending
            item.in_flight = True
            return self._retry_later(item, f"network: {type(exc).__name__}", report)
        if sent_channel and channel[:1] in ("U", "W"):
            self._dm_channels[channel] = sent_channel
        self._mark_sent(item, sent_channel or channel, ts)
        report.sent += 1
        return False

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

    def _dm_channel(self, channel: str) -> str:
        """The channel to read history from: a user id is opened as the app's DM with them."""
        if channel[:1] not in ("U", "W"):
            return channel
        if channel not in self._dm_channels:
            answer = self._client.conversations_open(users=channel)
            self._dm_channels[channel] = answer["channel"]["id"]
        return self._dm_channels[channel]

    def _find_sent(self, channel: str, key: str, created_at: datetime, thread_ts: str | None) -> tuple[str, str] | None:
        """(channel, ts) of a message already posted for `key` (replies live in their thread, not the history)."""
        channel = self._dm_channel(channel)
        oldest = f"{created_at.timestamp() - 300:.6f}"  # a few minutes of clock skew between us and Slack
        cursor = None
        for _ in range(20):  # at most 4,000 messages back
            if thread_ts:
                answer = self._client.conversations_replies(
                    channel=channel, ts=thread_ts, oldest=oldest, limit=200, include_all_metadata=True, cursor=cursor
                )
            else:
                answer = self._client.conversations_history(
                    channel=channel, oldest=oldest, limit=200, include_all_metadata=True, cursor=cursor
                )
            for message in answer.get("messages", []):
                metadata = message.get("metadata") or {}
                if (
                    metadata.get("event_type") == METADATA_EVENT
                    and (metadata.get("event_payload") or {}).get("outbox_key") == key
                ):
                    return channel, message.get("ts")
            cursor = (answer.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None

    def _render(self, item: _Item, report: DeliveryReport) -> Rendered | object:
        """The message of `item`, built now from the database; _GIVEN_UP when it cannot be built."""
        try:
            with self._sessions() as session:
                return self._renderer.render(session, item.kind, item.payload)
        except OperationalError as exc:  # the database is briefly away: try again later, lose nothing
            self._retry_later(item, f"database: {type(exc).__name__}", report)
            return _GIVEN_UP
        except Exception as exc:  # a message that cannot be built will not build on a retry either
            log.exception("could not build %s (%s)", item.key, item.kind)
            self._fail(item, f"could not build the message: {type(exc).__name__}: {exc}")
            report.failed += 1
            report.errors.append(f"{item.key}: could not build the message ({type(exc).__name__})")
            return _GIVEN_UP

    def _post(
        self, item: _Item, channel: str, thread_ts: str | None, message: SlackMessage | SlackFile
    ) -> tuple[str | None, str | None]:
        if isinstance(message, SlackFile):
            answer = self._client.files_upload_v2(
                channel=self._dm_channel(channel),
                content=message.content,
                filename=message.filename,
                title=message.title,
                initial_comment=message.initial_comment,
                alt_txt=message.alt_text,
                thread_ts=thread_ts,
            )
            files = answer.get("files") or [answer.get("file") or {}]
            return self._dm_channels.get(channel, channel), (files[0] or {}).get("id")
        # A user id as channel posts in the app's DM with them: no conversations.open (Tier 3) per DM.
        answer = self._client.chat_postMessage(
            channel=channel,
            text=message.text,
            blocks=message.blocks,
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
            metadata={"event_type": METADATA_EVENT, "event_payload": {"outbox_key": item.key}},
        )
        return answer.get("channel"), answer.get("ts")

    # -- outcomes -------------------------------------------------------------------------------------------
    def _handle_error(self, item: _Item, exc: SlackApiError, report: DeliveryReport) -> bool:
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"http_{status}")
        if error in AUTH_ERRORS:
            self._set_auth_error(error)
            self._release([item], delay=0, error=error)
            log.error(
                "Slack refused the bot token (%s): outbox sending stopped until it is fixed "
                "(fix SLACK_BOT_TOKEN or reinstall the app; an auth.test probe resumes sending)",
                error,
            )
            raise SlackAuthBroken(f"Slack refused the bot token ({error}); fix SLACK_BOT_TOKEN or reinstall the app")
        if error in PERMANENT_ERRORS:
            self._fail(item, error)
            log.warning("gave up on %s to %s: %s", item.key, item.channel, error)
            report.failed += 1
            report.errors.append(f"{item.key}: {_explain(error, item.channel)}")
            return False
        if status == 429 or error == "ratelimited":
            retry_after = _retry_after(exc)
            retry_after = 1.0 if retry_after is None else retry_after
            self._pacer.pause(retry_after)
            report.rate_limited += 1
            log.info("Slack rate-limited %s: pausing posts for %.1fs", item.key, retry_after)
            item.tries += 1
            if item.tries <= self._local_tries * 2:
                return True  # the pacer holds every post back for Retry-After
            self._release([item], delay=retry_after, error=error)
            report.deferred += 1
            return False
        if status >= 500 or error in AMBIGUOUS_ERRORS:
            item.in_flight = True
        return self._retry_later(item, error, report, at_least=_retry_after(exc) or 0.0)

    def _retry_later(self, item: _Item, error: str, report: DeliveryReport, at_least: float = 0.0) -> bool:
        item.tries += 1
        delay = max(at_least, min(self._retry_cap, self._retry_base * 2 ** (item.tries - 1)))
        if item.tries < self._local_tries and delay <= self._claim_seconds / 2:
            item.ready_after = self._pacer.monotonic() + delay
            report.retried += 1
            log.info("will retry %s in %.1fs: %s", item.key, delay, error)
            return True
        self._release([item], delay=delay, error=error)
        log.warning("will retry %s in %.0fs (next run): %s", item.key, delay, error)
        report.deferred += 1
        return False

    def _renew(self, item: _Item) -> bool:
        """Extend our claim before a post and mark it as possibly posted; False when another sender took the row."""
        now = self._clock()
        with self._sessions.begin() as session:
            result = session.connection().execute(
                update(_OUTBOX)
                .where(
                    OutboxMessage.id == item.row_id,
                    OutboxMessage.status == "sending",
                    OutboxMessage.claimed_by == self._worker,
                )
                .values(
                    claimed_until=now + timedelta(seconds=self._claim_seconds),
                    posting_since=func.coalesce(OutboxMessage.posting_since, now),
                )
            )
            return result.rowcount == 1

    def _cancel(self, item: _Item, reason: str) -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == item.row_id)
                .values(status="cancelled", last_error=reason, claimed_by=None, claimed_until=None, posting_since=None)
            )
        log.info("cancelled %s: %s", item.key, reason)

    def _fail(self, item: _Item, error: str) -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == item.row_id)
                .values(
                    status="failed", last_error=error[:500], claimed_by=None, claimed_until=None, posting_since=None
                )
            )

    def _release(self, items: list[_Item], *, delay: float, error: str | None = None) -> None:
        """Back to pending. Rows whose post may have landed keep posting_since, so they are looked up first."""
        if not items:
            return
        now = self._clock()
        with self._sessions.begin() as session:
            for in_flight in (True, False):
                ids = [i.row_id for i in items if i.in_flight == in_flight]
                if not ids:
                    continue
                values: dict = {
                    "status": "pending",
                    "claimed_by": None,
                    "claimed_until": None,
                    "not_before": now + timedelta(seconds=delay),
                }
                if not in_flight:
                    values["posting_since"] = None
                if error is not None:
                    values["last_error"] = error[:500]
                session.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.id.in_(ids),
                        OutboxMessage.status == "sending",
                        OutboxMessage.claimed_by == self._worker,
                    )
                    .values(**values)
                )

    def _mark_sent(self, item: _Item, channel: str, ts: str | None) -> None:
        with self._sessions.begin() as session:
            session.connection().execute(
                update(_OUTBOX)
                .where(OutboxMessage.id == item.row_id)
                .values(
                    status="sent",
                    sent_channel=channel,
                    sent_ts=ts,
                    sent_at=self._clock(),
                    claimed_by=None,
                    claimed_until=None,
                    posting_since=None,
                    last_error=None,
                )
            )

    # -- auth state -----------------------------------------------------------------------------------------
    def auth_error(self) -> str | None:
        return read_auth_error(self._sessions)

    def _set_auth_error(self, error: str | None) -> None:
        write_auth_error(self._sessions, error, self._clock())

    def clear_auth_error(self) -> None:
        """Called when Slack accepts the token again (auth.test succeeds)."""
        self._set_auth_error(None)

    def probe_auth(self) -> str | None:
        """auth.test: clears a recorded auth error once Slack accepts the token again; returns the error left."""
        try:
            self._client.auth_test()
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "")
            if error in AUTH_ERRORS:
                if self.auth_error() != error:
                    self._set_auth_error(error)
                    log.error("Slack refuses the bot token (%s): outbox sending stopped", error)
                return error
            return self.auth_error()  # Slack trouble, not a verdict on the token
        except NETWORK_ERRORS:
            return self.auth_error()
        if self.auth_error() is not None:
            log.warning("Slack accepts the bot token again: outbox sending resumes")
            self.clear_auth_error()
        return None


def _retry_after(exc: SlackApiError) -> float | None:
    """Seconds from the Retry-After header; None when there is none."""
    headers = exc.response.headers or {}
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None


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
