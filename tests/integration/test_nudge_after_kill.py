"""Item 17: after `kill -9` of `buildboard nudge` mid fan-out, the next `buildboard nudge` delivers every DM once."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update

from bot.db.models import OutboxMessage, Person
from bot.db.usage_weekly import rebuild_usage_weekly
from bot.domain.periods import IsoWeek
from bot.services.nudges import queue_nudges, send_week, undelivered
from bot.slack.delivery import DUE_POLL_SECONDS
from tests.integration.processes import bb_env, keys_posted, start, stop, wait_until
from tests.support.outbox import make_sender, statuses
from tests.support.usage_rows import usage

W47 = IsoWeek(2026, 47)
PEOPLE = 40


def forty_people_to_nudge(sessions) -> list[str]:
    """Forty people who spent $60 each in W47; returns their nudge keys."""
    now = datetime.now(UTC)
    with sessions.begin() as session:
        session.execute(
            insert(Person),
            [
                {
                    "email": f"p{i}@example.com",
                    "name": f"P{i}",
                    "slack_user_id": f"U{i:05d}",
                    "in_org": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(PEOPLE)
            ],
        )
        ids = list(session.scalars(select(Person.id).order_by(Person.id)))
        session.add_all(usage(pid, date(2026, 11, 18), cost="60.00") for pid in ids)
        session.flush()
        rebuild_usage_weekly(session)
    return [f"nudge:{pid}:{W47}" for pid in ids]


def output(tmp_path) -> str:
    return "\n".join(p.read_text() for p in sorted(tmp_path.glob("buildboard-*.log")))


def test_a_nudge_killed_mid_fan_out_is_finished_by_the_next_nudge_at_once(sessions, slack, database_url, tmp_path):
    keys = forty_people_to_nudge(sessions)
    # Claims as long as in production: the second run may not simply wait a second for them.
    env = bb_env(database_url, slack, BUILDBOARD_SLACK_WORKSPACE_RATE="30", BUILDBOARD_OUTBOX_CLAIM_SECONDS="60")
    first = start(["nudge", "--week", str(W47)], env, tmp_path)
    try:
        wait_until(lambda: len(slack.posted_messages) >= 10, what="ten DMs")
        slack.fail_next("chat.postMessage", delay=8)  # this post reaches Slack, its answer comes after the kill
        calls = len(slack.calls_to("chat.postMessage"))
        wait_until(lambda: len(slack.calls_to("chat.postMessage")) > calls, what="the stalled post")
        time.sleep(0.3)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        stop(first)
    assert 10 <= len(keys_posted(slack)) < PEOPLE
    started = time.monotonic()
    again = start(["nudge", "--week", str(W47)], env, tmp_path)
    assert again.wait(timeout=60) == 0, output(tmp_path)
    assert time.monotonic() - started < 40  # not after the dead run's 60 s claims
    assert keys_posted(slack) == Counter({key: 1 for key in keys})
    assert statuses(sessions) == Counter({"sent": PEOPLE})
    assert "0 DMs sent now" not in output(tmp_path).splitlines()[-1]


def test_a_nudge_waits_for_a_live_senders_claims_then_sends_what_is_left(sessions, slack, settings):
    keys = forty_people_to_nudge(sessions)
    now = datetime.now(UTC)
    report = queue_nudges(sessions, settings, W47, now, at_local_hour=False)
    assert report.queued == PEOPLE
    # Another host's sender claimed five DMs and is still within its claim: it may be posting them.
    held = keys[:5]
    with sessions.begin() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.idempotency_key.in_(held))
            .values(status="sending", claimed_by="elsewhere:1:1", claimed_until=now + timedelta(seconds=4))
        )
    waits = []
    delivery = send_week(sessions, make_sender(sessions, slack), W47, now, on_wait=waits.append)
    assert [w.count for w in waits][:1] == [5]  # told once per wait; a slow send may leave a second, shorter one
    assert delivery.sent == PEOPLE
    assert keys_posted(slack) == Counter({key: 1 for key in keys})
    with sessions() as session:
        assert undelivered(session, W47, datetime.now(UTC)) == 0


def test_a_claim_of_a_dead_process_of_this_host_is_released_at_once(sessions, slack, settings):
    keys = forty_people_to_nudge(sessions)
    now = datetime.now(UTC)
    queue_nudges(sessions, settings, W47, now, at_local_hour=False)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    with sessions.begin() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.idempotency_key.in_(keys[:3]))
            .values(
                status="sending",
                claimed_by=f"{socket.gethostname()}:{gone.pid}:1",
                claimed_until=now + timedelta(hours=1),
            )
        )
    waits = []
    delivery = send_week(sessions, make_sender(sessions, slack), W47, now, on_wait=waits.append)
    assert waits == [] and delivery.sent == PEOPLE
    assert keys_posted(slack) == Counter({key: 1 for key in keys})


def test_a_nudge_stops_waiting_as_soon_as_a_live_holder_has_sent_its_claims(sessions, slack, settings):
    """Two `buildboard nudge` at once: the one that waits looks again soon, not when the other's claim ends."""
    keys = forty_people_to_nudge(sessions)
    now = datetime.now(UTC)
    queue_nudges(sessions, settings, W47, now, at_local_hour=False)
    held = keys[:5]
    with sessions.begin() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.idempotency_key.in_(held))
            .values(status="sending", claimed_by="elsewhere:1:1", claimed_until=now + timedelta(seconds=60))
        )
    slept: list[float] = []  # waits for the claims (pacing the posts sleeps too, for a few hundredths)

    def sleep(seconds: float) -> None:
        if seconds >= 0.5:
            slept.append(seconds)
        if len(slept) == 2 and seconds >= 0.5:  # the other sender posts its five DMs meanwhile
            with sessions.begin() as session:
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.idempotency_key.in_(held))
                    .values(status="sent", claimed_by=None, claimed_until=None)
                )
        time.sleep(min(seconds, 0.05))

    waits = []
    delivery = send_week(sessions, make_sender(sessions, slack, sleep=sleep), W47, now, on_wait=waits.append)
    assert delivery.sent == PEOPLE - len(held) and not delivery.errors
    assert len(slept) == 2 and max(slept) <= 1.0  # looked again every second, not after 60
    assert [w.count for w in waits] == [5]  # told once
    with sessions() as session:
        assert undelivered(session, W47, datetime.now(UTC)) == 0


@pytest.mark.postgres_only  # SKIP LOCKED: a row another sender is claiming is passed over, not waited for
def test_rows_another_sender_is_claiming_right_now_are_waited_for_not_reported_as_left(sessions, slack, settings):
    """Two `buildboard nudge` at once: rows the other run locked to claim (its claim not committed yet) look
    pending and due; this run waits for the claim to show instead of ending with DMs 'due and not sent'."""
    keys = forty_people_to_nudge(sessions)
    now = datetime.now(UTC)
    queue_nudges(sessions, settings, W47, now, at_local_hour=False)
    held = keys[:3]
    locked, release = threading.Event(), threading.Event()

    def other_sender() -> None:
        with sessions.begin() as session:  # claims the rows, posts them, and only then commits
            session.execute(
                select(OutboxMessage.id).where(OutboxMessage.idempotency_key.in_(held)).with_for_update()
            ).all()
            locked.set()
            release.wait(5)
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.idempotency_key.in_(held))
                .values(status="sent", claimed_by=None, claimed_until=None)
            )

    def sleep(seconds: float) -> None:
        if seconds == DUE_POLL_SECONDS:  # this run waits for the rows: the other one commits meanwhile
            release.set()
            other.join(5)
        time.sleep(min(seconds, 0.05))

    other = threading.Thread(target=other_sender)
    other.start()
    try:
        assert locked.wait(5)
        delivery = send_week(sessions, make_sender(sessions, slack, sleep=sleep), W47, now)
        with sessions() as session:  # when this run ends, nothing of the week is left
            left = undelivered(session, W47, datetime.now(UTC))
    finally:
        release.set()
        other.join(10)
    assert left == 0
    assert delivery.sent == PEOPLE - len(held) and delivery.errors == []
    assert set(keys_posted(slack)) == set(keys) - set(held)
