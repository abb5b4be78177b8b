"""Commits and pull requests by Claude Code appear beside spend in team stats and App Home."""

import json
from datetime import date

from bot.ingest.records import CodeActivityRecord
from bot.ingest.store import write_code_activity
from tests.conftest import NOW
from tests.support.organisation import load_org


def add_activity(sessions):
    with sessions.begin() as session:
        write_code_activity(
            session,
            [
                CodeActivityRecord(date(2026, 11, 17), "carol@example.com", "claude_code", 4, 120, 30, 3, 1),
                CodeActivityRecord(date(2026, 11, 18), "dan@example.com", "claude_code", 2, 40, 5, 2, 0),
                # Erin is outside Bob's tree: her commits must not count in his team.
                CodeActivityRecord(date(2026, 11, 18), "erin@example.com", "claude_code", 9, 900, 0, 50, 20),
            ],
            now=NOW,
        )


def test_team_stats_show_commits_and_pull_requests_of_the_team_only(slack_http, rt):
    load_org(rt.sessions)
    add_activity(rt.sessions)
    _, _, url = slack_http.command("team", user_id="U0BOB")
    [answer] = slack_http.responses(url)
    text = json.dumps(answer["blocks"], ensure_ascii=False)
    assert "*By Claude Code*\\n5 commits · 1 pull requests" in text


def test_app_home_shows_commits_beside_spend(slack_http, slack, rt):
    load_org(rt.sessions)
    add_activity(rt.sessions)
    event = {"type": "app_home_opened", "user": "U0CAROL", "tab": "home", "event_ts": "1.0"}
    slack_http.post(
        json.dumps(
            {
                "type": "event_callback",
                "team_id": "T1",
                "api_app_id": "A1",
                "event": event,
                "event_id": "Ev1",
                "event_time": 1,
            }
        ),
        content_type="application/json",
    )
    [published] = slack.wait_for("views.publish")
    text = json.dumps(published.args["view"]["blocks"], ensure_ascii=False)
    assert "3 commits, 1 pull requests by Claude Code" in text
    assert "50 commits" not in text
