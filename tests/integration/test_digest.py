"""The weekly digest, end to end: SQL aggregates → Block Kit → outbox → the Slack stand-in."""

import json

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.db.models import OutboxMessage
from bot.domain.periods import IsoWeek
from bot.services.digest import compute_digest, run_digest
from bot.slack.delivery import OutboxSender, Pacer
from tests.conftest import DIGEST_CHANNEL, NOW
from tests.support.organisation import load_org

W47 = IsoWeek(2026, 47)


def channel_posts(slack):
    """Top-level messages in the digest channel (thread replies left out)."""
    return [m for m in slack.messages_in(DIGEST_CHANNEL) if not m.get("thread_ts")]


@pytest.fixture(autouse=True)
def unpaced_sender(rt):
    """The digest and its two thread rows go to one channel: no 1-second pacing between them in tests."""
    rt.__dict__["sender"] = OutboxSender(
        rt.sessions, rt.slack, clock=rt.clock, pacer=Pacer(per_channel_interval=0), renderer=rt.renderer
    )


def test_digest_numbers_for_the_hand_built_week(rt):
    load_org(rt.sessions)
    with rt.sessions() as session:
        digest = compute_digest(session, W47, rt.settings)
    totals = digest.totals
    assert (totals.tokens, str(totals.spend_usd), totals.active_people, totals.artifacts) == (
        2_412_000,
        "144.750000",
        4,
        0,
    )
    assert (digest.previous.tokens, str(digest.previous.spend_usd), digest.previous.active_people) == (
        175_000,
        "40.000000",
        2,
    )
    # Nobody shared anything: nobody is ranked or named, whatever their tokens (issue 17).
    assert digest.leaderboard == [] and digest.titles == [] and digest.highlights == []
    assert totals.people_with_output == 0


def test_digest_posts_once_per_channel_and_week(rt, slack):
    load_org(rt.sessions)
    first = run_digest(rt.sessions, rt.sender, rt.settings, week=W47, now=NOW)
    assert first.status == "posted"
    [message] = channel_posts(slack)
    text = json.dumps(message["blocks"], ensure_ascii=False)
    assert "Week 47 (16–22 Nov 2026)" in text
    assert "2.4M (▲ 1278%)" in text and "$144.75 (▲ 262%)" in text
    assert "4 people used AI this week; nobody has shared what they built yet." in text
    assert "<@U0" not in text  # nobody without output is named
    assert "Nobody used AI tools" not in text
    assert message["metadata"]["event_payload"]["outbox_key"] == f"digest:{DIGEST_CHANNEL}:2026-W47"
    second = run_digest(rt.sessions, rt.sender, rt.settings, week=W47, now=NOW)
    assert second.status == "already_posted"
    assert len(slack.calls_to("chat.postMessage")) == 2  # the digest and its thread reply, once each
    assert len(slack.uploaded_files) == 1


def test_dry_run_posts_nothing(rt, slack):
    load_org(rt.sessions)
    outcome = run_digest(rt.sessions, None, rt.settings, week=W47, now=NOW, dry_run=True)
    assert outcome.status == "dry_run" and outcome.digest is not None and outcome.digest.week == W47
    assert slack.calls_to("chat.postMessage") == []
    with rt.sessions() as session:
        assert session.scalars(select(OutboxMessage)).all() == []


def test_a_channel_the_bot_is_not_in_leaves_the_digest_unsent(rt, slack):
    load_org(rt.sessions)
    slack.fail_next("chat.postMessage", error="not_in_channel")
    outcome = run_digest(rt.sessions, rt.sender, rt.settings, week=W47, now=NOW)
    assert outcome.status == "failed"
    assert f"not a member of channel {DIGEST_CHANNEL}" in outcome.message
    with rt.sessions() as session:
        row = session.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == f"digest:{DIGEST_CHANNEL}:2026-W47")
        ).one()
        assert (row.status, row.last_error) == ("failed", "not_in_channel")
    # Invited now: the next run sends it.
    again = run_digest(rt.sessions, rt.sender, rt.settings, week=W47, now=NOW)
    assert again.status == "posted"
    assert len(channel_posts(slack)) == 1


def test_rate_limits_and_server_errors_are_retried(rt, slack):
    load_org(rt.sessions)
    slack.fail_next("chat.postMessage", status=429, retry_after=0)
    slack.fail_next("chat.postMessage", status=500)
    outcome = run_digest(rt.sessions, rt.sender, rt.settings, week=W47, now=NOW)
    assert outcome.status == "posted"
    assert len(slack.calls_to("chat.postMessage")) == 4  # two refused, then the digest and its thread reply
    assert len(channel_posts(slack)) == 1


def test_cli_digest_dry_run_and_post(database_url, rt, slack, monkeypatch, capsys):
    load_org(rt.sessions)
    for name, value in {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_API_URL": slack.base_url,
        "BUILDBOARD_DIGEST_CHANNEL": DIGEST_CHANNEL,
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["digest", "--week", "2026-W47", "--dry-run"]) == 0
    out = capsys.readouterr().out
    # The three messages as a person reads them: names, not Slack ids.
    assert out.startswith(
        f"The digest for 2026-W47 that `buildboard digest` would post in {DIGEST_CHANNEL} (a dry run: nothing posted)."
    )
    assert "BUILDBOARD · WEEK 47" in out and "4 people used AI this week" in out and "U0DAN" not in out
    assert "=== Thread reply: per-team detail ===\n*By team* · Week 47" in out
    assert "=== Thread reply: chart buildboard-2026-W47.png, with the caption ===\nAI spend and work units, " in out
    assert slack.calls == []
    assert main(["digest", "--week", "2026-W47"]) == 0
    assert main(["digest", "--week", "2026-W47"]) == 0
    out = capsys.readouterr().out
    assert "already posted" in out
    assert "the week's summary was built from the numbers: " in out  # why, for the operator only
    assert len(channel_posts(slack)) == 1
    assert main(["digest", "--week", "2026-W47", "--dry-run"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"The digest for 2026-W47 was already posted in {DIGEST_CHANNEL} on 2026-")
    assert first.endswith("`buildboard digest` would post nothing. As it would read now (a dry run):")
    assert len(channel_posts(slack)) == 1


def test_cli_digest_to_a_missing_channel_fails_clearly(database_url, rt, slack, monkeypatch, capsys):
    load_org(rt.sessions)
    for name, value in {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_API_URL": slack.base_url,
        "BUILDBOARD_DIGEST_CHANNEL": "C0GONE",
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["digest", "--week", "2026-W47"]) == 1
    assert "channel C0GONE does not exist" in capsys.readouterr().err
