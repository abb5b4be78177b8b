"""A revoked token or an uninstalled app stops the outbox sender, and /healthz and /readyz say so over HTTP."""

import time
from collections import Counter

from tests.support.outbox import keys_posted, make_sender, queue, statuses


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
    assert slack_http.get("/healthz") == (
        200,
        {"status": "ok", "database": "ok", "slack_auth_error": None, "slack_api": "reachable"},
    )
    assert sender.send_due().sent == 3
    assert keys_posted(slack) == Counter({f"nudge:{i}": 1 for i in range(3)})


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
