"""The outbox sender against a Slack stand-in that rate-limits, fails and answers late."""

from collections import Counter

from slack_sdk import WebClient
from sqlalchemy import select

from bot.db.models import OutboxMessage
from bot.domain.clock import system_clock
from bot.services import outbox
from bot.slack.delivery import OutboxSender, Pacer
from tests.conftest import BOT_TOKEN, DIGEST_CHANNEL
from tests.support.outbox import CHANNEL_INTERVAL, WORKSPACE_RATE, keys_posted, make_sender, queue, statuses


def test_429_500_and_timeouts_deliver_everything_once_within_the_limits(sessions, slack):
    rows = [(f"digest:{i}", DIGEST_CHANNEL) for i in range(4)] + [(f"nudge:{i}", f"U{i:04d}") for i in range(12)]
    queue(sessions, rows)
    slack.fail_next("chat.postMessage", status=429, retry_after=1)
    slack.fail_next("chat.postMessage", status=500, times=2)
    # Stored by Slack, answered after the client gave up: must be found, not posted again.
    slack.fail_next("chat.postMessage", delay=2.5)
    slack.fail_next("conversations.history", status=503)

    report = make_sender(sessions, slack, timeout=1.0).send_due()

    assert keys_posted(slack) == Counter({key: 1 for key, _ in rows})
    assert statuses(sessions) == Counter({"sent": len(rows)})
    assert report.sent + report.reconciled == len(rows) and report.reconciled >= 1
    assert report.rate_limited == 1 and slack.internal_errors == []
    posts = slack.calls_to("chat.postMessage")
    # Retry-After honoured: after the 429 nothing was posted for a second.
    assert posts[1].at - posts[0].at >= 1.0
    # Pacing: per channel and across the workspace.
    times = [c.at for c in posts]
    # (arrival times at the stand-in carry a few ms of network jitter)
    gaps = [round(b - a, 3) for a, b in zip(times, times[1:], strict=False)]
    assert times[-1] - times[0] >= (len(times) - 1) / WORKSPACE_RATE, gaps
    assert min(gaps) >= 0.5 / WORKSPACE_RATE, gaps
    in_digest = [c.at for c in posts if c.args["channel"] == DIGEST_CHANNEL]
    digest_gaps = [round(b - a, 3) for a, b in zip(in_digest, in_digest[1:], strict=False)]
    assert min(digest_gaps) >= CHANNEL_INTERVAL * 0.8, digest_gaps


def test_a_busy_channel_does_not_hold_up_the_others(sessions, slack):
    rows = [(f"digest:{i}", DIGEST_CHANNEL) for i in range(3)] + [(f"nudge:{i}", f"U{i:04d}") for i in range(6)]
    queue(sessions, rows)
    client = WebClient(token=BOT_TOKEN, base_url=slack.base_url)
    pacer = Pacer(channel_interval=2.0, workspace_rate=WORKSPACE_RATE)
    OutboxSender(sessions, client, pacer=pacer).send_due()
    order = [c.args["channel"] for c in slack.calls_to("chat.postMessage")]
    # The DMs go out while the digest channel waits its interval, not after all of it.
    assert order == [DIGEST_CHANNEL] + [f"U{i:04d}" for i in range(6)] + [DIGEST_CHANNEL] * 2
    assert keys_posted(slack) == Counter({key: 1 for key, _ in rows})


def test_permanent_errors_give_up_on_that_message_and_say_why(sessions, slack):
    queue(sessions, [("nudge:gone", "U0GONE"), ("nudge:fine", "U0FINE")])
    slack.fail_next("chat.postMessage", error="user_disabled")
    report = make_sender(sessions, slack).send_due()
    assert report.failed == 1 and report.sent == 1
    with sessions() as session:
        failed = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "failed")).one()
        assert (failed.idempotency_key, failed.last_error) == ("nudge:gone", "user_disabled")


def test_thread_replies_wait_for_their_parent_and_are_reconciled_in_the_thread(sessions, slack):
    with sessions.begin() as session:
        now = system_clock()
        outbox.enqueue(session, key="d", kind="digest", channel=DIGEST_CHANNEL, payload={"text": "digest"}, now=now)
        outbox.enqueue(
            session, key="d:thread", kind="digest_thread", channel=DIGEST_CHANNEL, payload={"text": "detail"},
            now=now, thread_of_key="d",
        )  # fmt: skip
    sender = make_sender(sessions, slack, timeout=0.5)
    assert sender.send_due(keys=["d"]).sent == 1
    slack.fail_next("chat.postMessage", delay=1.5)  # the reply lands, its answer does not
    report = sender.send_due(keys=["d:thread"])
    assert report.reconciled == 1 and slack.calls_to("conversations.replies")
    [parent, reply] = slack.messages_in(DIGEST_CHANNEL)
    assert reply["thread_ts"] == parent["ts"]
    with sessions() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key == "d:thread")).one()
        assert (row.status, row.sent_ts) == ("sent", reply["ts"])
