"""`/buildboard leaderboard` and `/buildboard privacy` through the real endpoint."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.models import Person
from bot.domain.periods import IsoWeek
from tests.support.artifacts import add_artifact
from tests.support.organisation import load_org
from tests.support.usage_rows import add_usage

W47, W48 = IsoWeek(2026, 47), IsoWeek(2026, 48)


def current_week(sessions):
    """W48 so far (NOW is Wednesday 25 Nov): Carol built something, Dan burned tokens."""
    load_org(sessions)
    add_usage(sessions, "carol@example.com", W48.start, "12.00", tokens=300_000)
    add_usage(sessions, "dan@example.com", W48.start + timedelta(days=1), "30.00", tokens=2_000_000)
    add_artifact(sessions, "carol@example.com", W48, "Deploy checklist bot", units="2")


def board_text(slack_http, user_id: str) -> str:
    status, body, url = slack_http.command("leaderboard", user_id=user_id, name=f"lb-{user_id}-{id(object())}")
    assert status == 200
    [answer] = slack_http.responses(url)
    assert answer["response_type"] == "ephemeral"
    return "\n".join(b["text"]["text"] for b in answer["blocks"] if b["type"] == "section")


def test_leaderboard_ranks_this_week_so_far_by_work_units(rt, slack_http):
    current_week(rt.sessions)
    text = board_text(slack_http, "U0ERIN")
    # Output only (issue 17): Dan burned 2M tokens and shared nothing, so he is not on the board, and the
    # public figures are output figures (no tokens, spend or cost per work unit).
    assert text.splitlines()[:2] == ["*By work units*", "1. <@U0CAROL> — *2 work units* · 1 counted"]
    assert "U0DAN" not in text
    assert "*You:*" not in text  # Erin has no activity this week
    mine = board_text(slack_http, "U0DAN")  # his own numbers, shown to him alone
    assert "*You:* not ranked yet — 0 work units · 0 counted · 2M tokens · $30.00" in mine


def test_privacy_on_keeps_the_caller_off_the_board_until_off(rt, slack_http):
    current_week(rt.sessions)
    status, _, url = slack_http.command("privacy on", user_id="U0CAROL", name="privacy-on")
    assert status == 200
    [answer] = slack_http.responses(url)
    assert answer["blocks"][0]["text"]["text"].startswith("*Privacy is on.*")
    with rt.sessions() as session:
        assert session.scalars(select(Person.public_opt_out).where(Person.slack_user_id == "U0CAROL")).one() is True
    others = board_text(slack_http, "U0DAN")
    assert "U0CAROL" not in others
    assert "<@U0DAN>" not in others  # no output: not ranked in her place either
    # Carol still sees her own numbers, privately.
    own = board_text(slack_http, "U0CAROL")
    assert "*You:* #1 of 1 — 2 work units · 1 counted · 300K tokens · $12.00" in own
    assert "Privacy is on: your name is left out of the public board" in own
    assert "1. <@U0CAROL>" not in own

    _, _, url = slack_http.command("privacy", user_id="U0CAROL", name="privacy-ask")
    assert "Privacy is *on* for you" in slack_http.responses(url)[0]["blocks"][0]["text"]["text"]
    _, _, url = slack_http.command("privacy off", user_id="U0CAROL", name="privacy-off")
    assert slack_http.responses(url)[0]["blocks"][0]["text"]["text"].startswith("*Privacy is off.*")
    assert "1. <@U0CAROL>" in board_text(slack_http, "U0DAN")
    _, _, url = slack_http.command("privacy off", user_id="U0CAROL", name="privacy-off-again")
    assert slack_http.responses(url)[0]["blocks"][0]["text"]["text"].startswith("No change. *Privacy is off.*")


def test_privacy_for_someone_not_in_the_people_file(rt, slack_http):
    load_org(rt.sessions)
    slack_http.slack.add_user({"id": "U0STRANGER", "profile": {"email": "stranger@elsewhere.com"}})
    _, _, url = slack_http.command("privacy on", user_id="U0STRANGER", name="privacy-stranger")
    assert "can't find you" in slack_http.responses(url)[0]["text"]


def test_leaderboard_refuses_someone_not_in_the_people_file_like_me_does(rt, slack_http):
    current_week(rt.sessions)
    slack_http.slack.add_user({"id": "U0STRANGER", "profile": {"email": "stranger@elsewhere.com"}})
    _, _, url = slack_http.command("leaderboard", user_id="U0STRANGER", name="lb-stranger")
    [board] = slack_http.responses(url)
    _, _, url = slack_http.command("me", user_id="U0STRANGER", name="me-stranger")
    [me] = slack_http.responses(url)
    assert "can't find you" in board["text"]
    assert (board["text"], board["blocks"]) == (me["text"], me["blocks"])
    assert "U0CAROL" not in str(board) and "U0DAN" not in str(board)  # nothing of the public board leaks
