"""Issue 17 through the real endpoint: a public board of output only, and claims that are bounded.

Signed HTTP to the real Bolt app, the real database, the local Slack stand-in. The hand-built
organisation (tests/data): in 2026-W47 Dan burns the most tokens (1.2M, $4.00) and shares nothing;
Carol $95.00, Erin $45.50, Bob $0.25. Shares go through the modal for W47 (last week: NOW is 25 Nov).
"""

from __future__ import annotations

import itertools
import json
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.db.models import Person
from bot.domain.periods import IsoWeek
from bot.services.digest import run_digest
from bot.services.stats import person_weeks
from bot.slack.delivery import OutboxSender, Pacer
from tests.conftest import DIGEST_CHANNEL, NOW, make_settings
from tests.scenario.interactive import shortcut, state_for_share, submit, views_opened, views_published
from tests.support.organisation import load_org
from tests.support.usage_rows import add_usage

W47, W48 = IsoWeek(2026, 47), IsoWeek(2026, 48)
SPEND_PUBLIC = {"public_figures": "output_and_spend", "min_group_size": 2}


@pytest.fixture
def settings(database_url, slack, request):
    """The default settings, or those a test asks for with `@pytest.mark.parametrize("settings", …, indirect=True)`."""
    return make_settings(database_url, slack, **getattr(request, "param", {}))


@pytest.fixture(autouse=True)
def unpaced_sender(rt):
    rt.__dict__["sender"] = OutboxSender(
        rt.sessions, rt.slack, clock=rt.clock, pacer=Pacer(per_channel_interval=0), renderer=rt.renderer
    )


def share_w47(http, slack, user_id: str, **fields):
    """Open the shortcut's modal and submit it for last week (2026-W47); returns (status, body)."""
    before = len(slack.views_opened)
    shortcut(http, user_id)
    opened = {**views_opened(slack, before + 1)[-1], "private_metadata": json.dumps({"week": str(W47)})}
    values = {"kind": "tool", "description": "Does a real job for the team, every single week."} | fields
    return submit(http, user_id, opened, state_for_share(**values))


def shared_ok(http, slack, user_id: str, **fields) -> None:
    """Share, and wait until it is stored: the modal closes at the ack, before the share's transaction, and the
    author's App Home is published after it commits."""
    published = len(slack.views_published)
    status, body = share_w47(http, slack, user_id, **fields)
    assert (status, body) == (200, ""), body
    views_published(slack, published + 1)


def public_posts(slack) -> str:
    """Everything Buildboard put where the whole channel sees it: digest, thread, showcases, chart captions."""
    messages = slack.messages_in(DIGEST_CHANNEL)
    captions = [f.get("initial_comment") or "" for f in slack.uploaded_files]
    return json.dumps([messages, captions], ensure_ascii=False)


def leaderboard_answer(http, user_id: str) -> str:
    _, _, url = http.command("leaderboard", user_id=user_id, name=f"lb-{user_id}")
    [answer] = http.responses(url)
    return json.dumps(answer, ensure_ascii=False)


def test_the_top_token_user_without_output_appears_nowhere_in_public(rt, slack_http, slack):
    load_org(rt.sessions)
    shared_ok(slack_http, slack, "U0ERIN", title="Lab protocol summariser", url="https://git.example.com/lab")
    shared_ok(slack_http, slack, "U0BOB", title="Deploy checklist bot", share_in_channel=True)
    # This week so far, Dan burns tokens again and Carol builds something.
    add_usage(rt.sessions, "dan@example.com", W48.start, "30.00", tokens=2_000_000)
    outcome = run_digest(rt.sessions, rt.sender, rt.settings, week=W47, now=NOW)
    assert outcome.status == "posted"

    posted = public_posts(slack)
    assert "U0ERIN" in posted and "U0BOB" in posted  # the builders are named
    assert "U0DAN" not in posted and "Dan Diaz" not in posted  # the burner is not, anywhere
    assert "4 people used AI this week; 2 shared what they built." in posted
    # Public figures are output figures: no tokens, spend or cost per work unit beside any name.
    [digest] = [
        m
        for m in slack.messages_in(DIGEST_CHANNEL)
        if m.get("text", "").startswith("Buildboard 2026-W47:")
        if not m.get("thread_ts") and "per-team" not in m.get("text", "")
    ]
    board = next(b["text"]["text"] for b in digest["blocks"] if b.get("text", {}).get("text", "").startswith("*Lead"))
    assert board == (
        "*Leaderboard* (by work units)\n1. <@U0ERIN> — *1 work unit* · 1 counted\n"
        "2. <@U0BOB> — *0.5 work units* · 1 counted"
    )
    assert "/unit" not in posted and "tokens ·" not in board

    # /buildboard leaderboard (this week so far): Dan is not on it, and he alone sees his own line.
    shared_ok(slack_http, slack, "U0CAROL", title="Release notes bot", url="https://git.example.com/notes")
    erin_sees = leaderboard_answer(slack_http, "U0ERIN")
    assert "U0DAN" not in erin_sees and "Dan Diaz" not in erin_sees
    dan_sees = leaderboard_answer(slack_http, "U0DAN")
    assert "*You:* not ranked yet" in dan_sees and "1. <@U0DAN>" not in dan_sees


def test_ten_junk_artifacts_without_links_count_at_most_one_and_a_half_units(rt, slack_http, slack):
    load_org(rt.sessions)
    for n in range(10):
        shared_ok(
            slack_http,
            slack,
            "U0DAN",
            title=f"Thing {n}",
            description=f"Saved forty hours a week, trust me, item number {n}.",
            hours="8",  # the most an artifact without a link may claim
        )
    refused, body = share_w47(slack_http, slack, "U0DAN", title="Big claim", hours="40")
    assert refused == 200 and "needs a link" in body["errors"]["hours_saved"]
    refused, body = share_w47(slack_http, slack, "U0DAN", title="Terse", description="rate this 13")
    assert "at least 30 characters" in body["errors"]["description"]

    with rt.sessions() as session:
        dan_id = session.scalars(select(Person.id).where(Person.email == "dan@example.com")).one()
        dan = person_weeks(session, W47, [dan_id], cap=3)[dan_id]
    assert (dan.artifacts, dan.work_units) == (3, Decimal("1.5"))
    # A real builder with one linked artifact still ranks above ten junk claims.
    shared_ok(
        slack_http, slack, "U0ERIN", title="Lab protocol summariser", url="https://git.example.com/lab", hours="8"
    )
    run_digest(rt.sessions, rt.sender, rt.settings, week=W47, now=NOW)
    posted = public_posts(slack)
    assert "1. <@U0ERIN> — *2 work units* · 1 counted" in posted
    assert "2. <@U0DAN> — *1.5 work units* · 3 counted" in posted


def test_a_duplicate_link_is_refused_inline_saying_when_never_by_whom(rt, slack_http, slack):
    load_org(rt.sessions)
    shared_ok(slack_http, slack, "U0CAROL", title="Invoice matcher", url="https://Git.Example.com/finance/matcher/")
    again = "HTTPS://git.example.com/finance/matcher?utm_source=slack&utm_medium=dm#readme"
    status, body = share_w47(slack_http, slack, "U0ERIN", title="Matcher (my copy)", url=again)
    assert status == 200 and body["response_action"] == "errors"
    assert body["errors"] == {
        "url": "This link was already shared in Week 47 (16–22 Nov 2026): a link counts once. "
        "Share something else, or leave it out."
    }
    assert "Carol" not in json.dumps(body) and "U0CAROL" not in json.dumps(body)
    # A different path is a different link.
    shared_ok(slack_http, slack, "U0ERIN", title="Matcher docs", url="https://git.example.com/finance/matcher/docs")


@pytest.mark.parametrize("settings", [SPEND_PUBLIC], indirect=True)
def test_the_opted_out_teammates_spend_cannot_be_derived_from_any_public_post(rt, slack_http, slack):
    """Spend is public (output_and_spend) and groups need 2 people. Carol (Platform, $95.00) opts out; Bob and
    Dan, her Platform teammates, and Erin (Research) are named with their spend. Old rules would have posted a
    Platform row ($99.25) and the organisation's total ($144.75): minus the named spend, that is Carol's $95.00."""
    load_org(rt.sessions)
    _, _, url = slack_http.command("privacy on", user_id="U0CAROL", name="privacy-on")
    slack_http.responses(url)
    shared_ok(slack_http, slack, "U0CAROL", title="Release notes bot", url="https://git.example.com/notes")
    shared_ok(slack_http, slack, "U0BOB", title="Deploy checklist bot", url="https://git.example.com/deploy")
    shared_ok(slack_http, slack, "U0DAN", title="Flaky test finder", url="https://git.example.com/flaky")
    shared_ok(slack_http, slack, "U0ERIN", title="Lab protocol summariser", url="https://git.example.com/lab")
    assert run_digest(rt.sessions, rt.sender, rt.settings, week=W47, now=NOW).status == "posted"

    posted = public_posts(slack)
    assert "U0CAROL" not in posted and "Carol" not in posted
    for named in ("U0BOB", "U0DAN", "U0ERIN"):
        assert named in posted
    assert "$4.00" in posted and "$45.50" in posted  # spend is public beside the named people's output
    # Every dollar figure in every public post, less any combination of the named people's spend, is never Carol's.
    amounts = {Decimal(a.replace(",", "")) for a in re.findall(r"\$([0-9][0-9,]*\.[0-9]{2})", posted)}
    named_spend = [Decimal("0.25"), Decimal("4.00"), Decimal("45.50")]
    carol = Decimal("95.00")
    assert carol not in amounts
    for amount in amounts:
        for k in range(len(named_spend) + 1):
            for subset in itertools.combinations(named_spend, k):
                assert abs(amount - sum(subset, Decimal(0)) - carol) >= Decimal("0.01"), (amount, subset)
    # The chart of weekly spend would give the total too: not posted. (Each sharer's own App Home chart is
    # uploaded to no channel: only their App Home shows it.)
    assert [f["filename"] for f in slack.uploaded_files if f["channel_id"] or f.get("shared")] == []
    assert all(f["filename"].startswith("buildboard-you-") for f in slack.uploaded_files)
    assert "Tokens, spend, the evidence ratio and the chart are left out this week" in posted
