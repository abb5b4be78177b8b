"""The outbox sender against a Slack stand-in that rate-limits, fails and answers late."""

import time
from collections import Counter

from slack_sdk import WebClient
from sqlalchemy import select

from bot.db.models import OutboxMessage
from bot.demo.standin.slack import SlackStandIn
from bot.domain.clock import system_clock
from bot.services import outbox
from bot.slack.delivery import METADATA_EVENT, OutboxSender, Pacer
from tests.conftest import BOT_TOKEN, DIGEST_CHANNEL

CHANNEL_INTERVAL = 0.3
WORKSPACE_RATE = 20.0


def queue(sessions, rows):
    with sessions.begin() as session:
        for key, channel in rows:
            outbox.enqueue(
                session, key=key, kind="nudge", channel=channel, payload={"text": f"hello {key}"}, now=system_clock()
            )


def make_sender(sessions, slack, *, timeout=5.0, **kwargs):
    client = WebClient(token=BOT_TOKEN, base_url=slack.base_url, timeout=timeout)
    pacer = Pacer(channel_interval=CHANNEL_INTERVAL, workspace_rate=WORKSPACE_RATE, workspace_burst=1)
    return OutboxSender(sessions, client, pacer=pacer, retry_base=0.05, **kwargs)


def keys_posted(slack: SlackStandIn) -> Counter:
    return Counter(
        m["metadata"]["event_payload"]["outbox_key"]
        for m in slack.posted_messages
        if (m.get("metadata") or {}).get("event_type") == METADATA_EVENT
    )


def statuses(sessions) -> Counter:
    with sessions() as session:
        return Counter(session.scalars(select(OutboxMessage.status)))


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


def test_a_revoked_token_stops_sending_until_auth_test_passes_again(sessions, slack, slack_http):
    queue(sessions, [(f"nudge:{i}", f"U{i:04d}") for i in range(3)])
    sender = make_sender(sessions, slack)
    slack.fail_next("chat.postMessage", error="token_revoked")
    report = sender.send_due()
    assert report.sent == 0 and "token_revoked" in report.errors[0]
    assert slack_http.get("/healthz")[1]["slack_auth_error"] == "token_revoked"
    # Stopped: nothing more is even tried.
    assert sender.send_due().sent == 0 and len(slack.calls_to("chat.postMessage")) == 1
    assert statuses(sessions) == Counter({"pending": 3})
    slack.fail_next("auth.test", error="token_revoked")
    assert sender.probe_auth() == "token_revoked"
    # The operator fixed the token: the probe clears the state and the backlog goes out.
    assert sender.probe_auth() is None
    assert slack_http.get("/healthz") == (200, {"status": "ok", "database": "ok", "slack_auth_error": None})
    assert sender.send_due().sent == 3
    assert keys_posted(slack) == Counter({f"nudge:{i}": 1 for i in range(3)})


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


def test_app_uninstalled_event_stops_sending(sessions, slack, slack_http):
    import json

    body = json.dumps(
        {
            "token": "x",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": "Ev1",
            "event_time": 1,
            "event": {"type": "app_uninstalled"},
        }
    )
    status, _ = slack_http.post(body, content_type="application/json")
    assert status == 200
    # Bolt answers Slack first and runs event listeners after (on its worker threads): wait for it.
    deadline = time.monotonic() + 5
    while (health := slack_http.get("/healthz")[1])["slack_auth_error"] is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert health["slack_auth_error"] == "app_uninstalled" and health["status"] == "degraded"
    queue(sessions, [("nudge:x", "U0001")])
    assert make_sender(sessions, slack).send_due().sent == 0
    assert slack.calls_to("chat.postMessage") == []


def test_readyz_reports_the_backlog(sessions, slack, slack_http):
    queue(sessions, [("nudge:a", "U0001"), ("nudge:b", "U0002")])
    status, body = slack_http.get("/readyz")
    assert status == 200
    assert body["outbox"]["pending"] == 2 and body["outbox"]["oldest_pending_age_seconds"] is not None
    assert body["leader"] is None and body["jobs"] == {}
