"""The real HTTP endpoint: Slack's signature check, routing, ack within the request, answers via response_url."""

import time
import urllib.parse

from tests.support.organisation import load_org


def command_body(text: str, user_id: str, response_url: str) -> str:
    return urllib.parse.urlencode(
        {
            "command": "/buildboard",
            "text": text,
            "user_id": user_id,
            "team_id": "T1",
            "channel_id": "C0RANDOM",
            "response_url": response_url,
            "trigger_id": "t.1",
        }
    )


def test_forged_signature_is_refused_and_nothing_runs(slack_http, slack):
    url = slack.response_url("forged")
    status, _ = slack_http.post(command_body("me", "U0DAN", url), secret="not-the-signing-secret")
    assert status == 401
    status, _ = slack_http.post(command_body("me", "U0DAN", url), signature="v0=deadbeef")
    assert status == 401
    time.sleep(0.3)
    assert slack.responses_to_url == [] and slack.calls_to("users.info") == []


def test_stale_timestamp_is_refused(slack_http, slack):
    url = slack.response_url("stale")
    status, _ = slack_http.post(command_body("me", "U0DAN", url), timestamp=int(time.time()) - 6 * 60)
    assert status == 401
    time.sleep(0.3)
    assert slack.responses_to_url == []


def test_help_answers_in_the_ack(slack_http):
    status, body, _ = slack_http.command("help", user_id="U0DAN")
    assert status == 200
    assert body["response_type"] == "ephemeral"
    assert "`/buildboard me`" in str(body["blocks"])


def test_unknown_subcommand_gets_help(slack_http):
    status, body, _ = slack_http.command("dance <!channel>", user_id="U0DAN")
    assert status == 200
    assert "I don't know `dance`" in str(body["blocks"])


def test_me_answers_with_the_callers_own_week(slack_http, rt):
    load_org(rt.sessions)
    status, body, url = slack_http.command("me", user_id="U0CAROL")
    assert status == 200 and body == ""  # acked at once, the answer follows
    [answer] = slack_http.responses(url)
    assert answer["response_type"] == "ephemeral"
    text = str(answer["blocks"])
    # Last week (2026-W47) for Carol: 860K tokens, $95.00; nobody shared, so nobody is ranked (issue 17).
    assert "Last week · Week 47 (16–22 Nov 2026)" in text
    assert "860K" in text and "$95.00" in text and "not ranked (no counted output)" in text
    assert "Who sees your numbers: you, your managers up the line, admins." in text
    # Nobody else's numbers.
    assert "1.2M" not in text and "$4.00" not in text


def test_me_for_someone_not_in_the_people_file(slack_http, slack, rt):
    load_org(rt.sessions)
    slack.add_user({"id": "U0STRANGER", "name": "stranger", "profile": {"email": "stranger@example.com"}})
    _, _, url = slack_http.command("me", user_id="U0STRANGER")
    [answer] = slack_http.responses(url)
    assert "can't find you" in answer["text"]


def test_me_finds_a_person_by_email_and_remembers_the_slack_id(slack_http, slack, rt, tmp_path):
    from tests.conftest import DATA
    from tests.support.organisation import load_people, load_usage

    people = tmp_path / "people.csv"
    people.write_text((DATA / "people.csv").read_text().replace("U0CAROL", ""))
    load_people(rt.sessions, people)
    load_usage(rt.sessions)
    slack.add_user(
        {"id": "U0CAROL", "name": "carol", "tz": "America/Los_Angeles", "profile": {"email": "carol@example.com"}}
    )
    _, _, url = slack_http.command("me", user_id="U0CAROL")
    assert "860K" in str(slack_http.responses(url)[0]["blocks"])
    _, _, url = slack_http.command("me", user_id="U0CAROL", name="again")
    slack_http.responses(url)
    assert len(slack.calls_to("users.info")) == 1


def test_healthz(slack_http):
    assert slack_http.get("/healthz") == (
        200,
        {"status": "ok", "database": "ok", "slack_auth_error": None, "slack_api": "reachable"},
    )
