"""Exactly once across real processes: SIGKILL mid fan-out, and two senders racing on one outbox."""

import signal
import time
from collections import Counter

import pytest
from sqlalchemy import select

from bot.db.models import OutboxMessage
from bot.domain.clock import system_clock
from bot.services import outbox
from tests.integration.processes import bb_env, keys_posted, start, stop, wait_until


def queue_dms(sessions, count: int) -> list[str]:
    keys = [f"nudge:{i}:2026-W47" for i in range(count)]
    with sessions.begin() as session:
        for i, key in enumerate(keys):
            outbox.enqueue(
                session, key=key, kind="nudge", channel=f"U{i:05d}", payload={"text": f"nudge {i}"}, now=system_clock()
            )
    return keys


def statuses(sessions) -> Counter:
    with sessions() as session:
        return Counter(session.scalars(select(OutboxMessage.status)))


def test_a_sender_killed_mid_fan_out_and_restarted_sends_every_message_once(sessions, slack, database_url, tmp_path):
    keys = queue_dms(sessions, 40)
    env = bb_env(database_url, slack, BUILDBOARD_SLACK_WORKSPACE_RATE="30")
    sender = start(["outbox", "send"], env, tmp_path)
    try:
        wait_until(lambda: len(slack.posted_messages) >= 12, what="a dozen DMs")
        # The next post reaches Slack but its answer never comes back before the kill.
        slack.fail_next("chat.postMessage", delay=8)
        # The first call recorded after this point takes the fault: stored, answered 8 s late.
        calls = len(slack.calls_to("chat.postMessage"))
        wait_until(lambda: len(slack.calls_to("chat.postMessage")) > calls, what="the stalled post")
        time.sleep(0.5)
        sender.send_signal(signal.SIGKILL)
        sender.wait(timeout=10)
    finally:
        stop(sender)
    assert 12 < len(slack.posted_messages) < 40
    assert statuses(sessions)["sent"] < 40
    time.sleep(1.2)  # the dead process's claims run out (BUILDBOARD_OUTBOX_CLAIM_SECONDS=1)
    again = start(["outbox", "send"], env, tmp_path)
    assert again.wait(timeout=60) == 0
    assert keys_posted(slack) == Counter({key: 1 for key in keys})
    assert statuses(sessions) == Counter({"sent": 40})
    # The post whose answer was lost was found in the DM's history, not sent again.
    assert slack.calls_to("conversations.history")


@pytest.mark.postgres_only
def test_two_senders_racing_on_one_outbox_send_no_duplicate(sessions, slack, database_url, tmp_path):
    keys = queue_dms(sessions, 120)
    # Claims long enough not to run out mid-batch: every row is then claimed exactly once.
    env = bb_env(database_url, slack, BUILDBOARD_SLACK_WORKSPACE_RATE="100", BUILDBOARD_OUTBOX_CLAIM_SECONDS="60")
    first = start(["outbox", "send"], env, tmp_path)
    second = start(["outbox", "send"], env, tmp_path)
    try:
        assert first.wait(timeout=60) == 0 and second.wait(timeout=60) == 0
    finally:
        stop(first)
        stop(second)
    assert keys_posted(slack) == Counter({key: 1 for key in keys})
    assert len(slack.calls_to("chat.postMessage")) == 120
    assert statuses(sessions) == Counter({"sent": 120})
    with sessions() as session:
        attempts = set(session.scalars(select(OutboxMessage.attempts)))
        senders = set(session.scalars(select(OutboxMessage.claimed_by)))
    assert attempts == {1}  # no row was claimed twice (SKIP LOCKED + the re-checked UPDATE)
    assert senders == {None}
