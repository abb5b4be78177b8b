"""People see who looked at their numbers, and everything stored about them, through the real HTTP endpoint."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from sqlalchemy import select

from bot.db.models import Person
from bot.db.usage_weekly import rebuild_usage_weekly
from bot.domain.delivery import MessageIntent, MessageKind
from bot.domain.reports import ViewedGroup
from bot.services import outbox
from bot.services.audit import record_view
from bot.services.sharing import showcase_key
from tests.conftest import DIGEST_CHANNEL, NOW
from tests.support.llm import add_artifact
from tests.support.organisation import load_org
from tests.support.personal_data import add_personal_history, ids


def test_a_managers_view_appears_in_the_viewed_persons_me(slack_http, rt):
    load_org(rt.sessions)
    with rt.sessions.begin() as session:
        people = ids(session)
        carol, bob = people["carol@example.com"], people["bob@example.com"]
        # Bob (Carol's manager) looked her up twice and saw her in team stats; Alice looked 100 days ago.
        for minutes in (5, 60):
            record_view(
                session,
                viewer_id=bob,
                group=ViewedGroup("person", carol),
                action="user",
                detail=None,
                now=NOW - timedelta(minutes=minutes),
            )
        record_view(
            session,
            viewer_id=bob,
            group=ViewedGroup("person", carol),
            action="team",
            detail=None,
            now=NOW - timedelta(days=3),
        )
        record_view(
            session,
            viewer_id=people["alice@example.com"],
            group=ViewedGroup("person", carol),
            action="user",
            detail=None,
            now=NOW - timedelta(days=100),
        )
    _, _, url = slack_http.command("me", user_id="U0CAROL")
    [answer] = slack_http.responses(url)
    text = json.dumps(answer["blocks"], ensure_ascii=False)
    assert "*Who looked at your numbers* (last 90 days)" in text
    assert "• <@U0BOB> looked you up, 2 times, last on 25 Nov 2026" in text
    assert "• <@U0BOB> in team stats, last on 22 Nov 2026" in text
    assert "U0ALICE" not in text  # older than 90 days

    # Dan: nobody looked.
    _, _, url = slack_http.command("me", user_id="U0DAN", name="dan")
    assert "last 90 days)\\nNobody." in json.dumps(slack_http.responses(url)[0]["blocks"])


def test_me_data_shows_everything_stored_about_the_caller(slack_http, rt, slack):
    load_org(rt.sessions)
    add_personal_history(rt.sessions)
    _, _, url = slack_http.command("me data", user_id="U0CAROL")
    [answer] = slack_http.responses(url)
    assert answer["response_type"] == "ephemeral"
    text = json.dumps(answer["blocks"], ensure_ascii=False)
    for expected in (
        "Email: carol@example.com · Name: Carol Chen · Team: Platform",
        "Manager: Bob Baker · Slack id: U0CAROL · Time zone: America/Los_Angeles",
        "Asked what you built: yes",
        "*Usage by week, provider and model* (3)",
        "• 16 Nov 2026 · anthropic · claude-sonnet-4: 750K tokens, $90.00, 2 days",
        "• 09 Nov 2026 · anthropic · claude-sonnet-4: 120K tokens, $30.00, 1 days",
        "*What you shared* (2)",
        "Carol Chen's release checker (tool) · https://git.example.com/carol/checker",
        "reason: exploring",
        "Carol Chen was reading the new SDK docs",
        "• 16 Nov 2026 · token_titan",
        "Bob Baker (user)",
        "This is the complete record.",
    ):
        assert expected in text, expected
    assert "dan@example.com" not in text and "Dan Diaz" not in text
    assert slack.uploaded_files == []


def test_a_long_history_is_summarised_and_sent_whole_as_a_file(slack_http, rt, slack):
    load_org(rt.sessions)
    with rt.sessions.begin() as session:
        carol, bob = ids(session)["carol@example.com"], ids(session)["bob@example.com"]
        for day in range(40):
            record_view(
                session,
                viewer_id=bob,
                group=ViewedGroup("person", carol),
                action="user",
                detail=None,
                now=NOW - timedelta(days=day),
            )
    _, _, url = slack_http.command("me data", user_id="U0CAROL")
    [answer] = slack_http.responses(url)
    text = json.dumps(answer["blocks"], ensure_ascii=False)
    assert "*Who looked at your numbers* (40)" in text and "…and 28 more" in text
    assert "buildboard-my-data.json" in text and "sent to you as a direct message" in text
    [sent] = slack.uploaded_files
    assert sent["filename"] == "buildboard-my-data.json" and sent["channel_id"].startswith("D")
    record = json.loads(sent["bytes"])
    assert len(record["viewed_by"]) == 40 and record["profile"]["email"] == "carol@example.com"


def user_change_body(user: dict) -> str:
    return json.dumps(
        {
            "token": "unused",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": f"Ev{time.monotonic_ns()}",
            "event_time": int(time.time()),
            "event": {"type": "user_change", "user": user, "event_ts": str(time.time())},
        }
    )


def wait_until(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def person_state(rt, person_id):
    with rt.sessions() as session:
        person = session.get(Person, person_id)
        return person.email, person.active, person.forgotten_at


def test_a_deleted_slack_user_is_marked_inactive_by_default(slack_http, rt):
    load_org(rt.sessions)
    with rt.sessions() as session:
        dan = ids(session)["dan@example.com"]
    user = {"id": "U0DAN", "deleted": True, "profile": {"email": "dan@example.com"}}
    status, _ = slack_http.post(user_change_body(user), content_type="application/json")
    assert status == 200
    assert wait_until(lambda: person_state(rt, dan)[1] is False)
    assert person_state(rt, dan)[0] == "dan@example.com"
    user["deleted"] = False
    slack_http.post(user_change_body(user), content_type="application/json")
    assert wait_until(lambda: person_state(rt, dan)[1] is True)


def test_a_deleted_slack_user_is_forgotten_when_configured(slack_http, rt):
    load_org(rt.sessions)
    add_personal_history(rt.sessions)
    rt.settings.forget_deactivated = True
    with rt.sessions() as session:
        carol = ids(session)["carol@example.com"]
    user = {"id": "U0CAROL", "deleted": True, "profile": {"email": "carol@example.com"}}
    for _ in range(2):  # Slack may deliver an event twice
        status, _ = slack_http.post(user_change_body(user), content_type="application/json")
        assert status == 200
    assert wait_until(lambda: person_state(rt, carol)[2] is not None)
    time.sleep(0.2)
    email, active, _ = person_state(rt, carol)
    assert (email, active) == (None, False)
    with rt.sessions() as session:
        assert session.scalars(select(Person.slack_user_id).where(Person.id == carol)).one() is None


def test_me_data_shows_the_flags_a_manager_sees(slack_http, rt):
    from datetime import date

    from tests.support.usage_rows import usage

    load_org(rt.sessions)
    with rt.sessions.begin() as session:
        carol = ids(session)["carol@example.com"]
        for day in (date(2026, 10, 20), date(2026, 10, 27), date(2026, 11, 3)):  # W43–W45: $10 a week
            session.add(usage(carol, day, cost="10.00"))
        rebuild_usage_weekly(session)  # the rows above bypassed write_usage
    _, _, url = slack_http.command("me data", user_id="U0CAROL")
    text = json.dumps(slack_http.responses(url)[0]["blocks"], ensure_ascii=False)
    assert "*What your manager is shown*" in text and "• 2026-W47 · " in text


def test_a_deleted_slack_user_forgotten_loses_their_showcase_post(slack_http, rt, slack):
    load_org(rt.sessions)
    artifact = add_artifact(rt.sessions, "carol@example.com", "Ticket triage bot")
    with rt.sessions.begin() as session:
        carol = ids(session)["carol@example.com"]
        intent = MessageIntent(
            showcase_key(artifact), MessageKind.SHOWCASE, DIGEST_CHANNEL, {"artifact_id": artifact}, person_id=carol
        )
        outbox.queue(session, intent, NOW)
    assert rt.sender.send_due(keys=[showcase_key(artifact)]).sent == 1
    [post] = slack.messages_in(DIGEST_CHANNEL)
    rt.settings.forget_deactivated = True
    user = {"id": "U0CAROL", "deleted": True, "profile": {"email": "carol@example.com"}}
    status, _ = slack_http.post(user_change_body(user), content_type="application/json")
    assert status == 200
    assert wait_until(lambda: slack.calls_to("chat.delete"))
    [deleted] = slack.calls_to("chat.delete")
    assert (deleted.args["channel"], deleted.args["ts"]) == (DIGEST_CHANNEL, post["ts"])
    assert wait_until(lambda: slack.messages_in(DIGEST_CHANNEL) == [])
