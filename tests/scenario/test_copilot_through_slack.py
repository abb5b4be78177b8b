"""Copilot synced by the CLI from the local GitHub: its activity beside spend in /buildboard me, App Home and
team stats, its seats charged and exported, logins nobody is matched to listed by the command."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from bot.runtime import Runtime
from bot.settings import Settings
from bot.slack.blocks.plain_text import render_message
from tests.conftest import BOT_TOKEN, DIGEST_CHANNEL, NOW, make_settings
from tests.fakes.github_api import TOKEN, FakeGitHub
from tests.support.copilot_usage import fill
from tests.support.github import ORG, people_file


@pytest.fixture
def github():
    with FakeGitHub() as server:
        fill(server)
        yield server


@pytest.fixture
def settings(database_url, slack):
    return make_settings(database_url, slack, admins=("U0ERIN",))


@pytest.fixture
def cli(database_url, slack, github, monkeypatch, tmp_path):
    for name, value in {
        "DATABASE_URL": database_url,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_ORG": ORG,
        "GITHUB_API_URL": github.origin,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.base_url,
        "BUILDBOARD_DIGEST_CHANNEL": DIGEST_CHANNEL,
    }.items():
        monkeypatch.setenv(name, value)
    pinned = lambda **_: Runtime(Settings(_env_file=None), clock=lambda: NOW)  # noqa: E731 - the commands' clock at NOW
    for module in ("data", "sync"):
        monkeypatch.setattr(f"bot.commands.{module}.runtime", pinned)
    return people_file(tmp_path)


def text_of(answer: dict) -> str:
    return render_message({"blocks": answer["blocks"]})


def test_copilot_from_sync_to_slack(rt, slack, slack_http, github, cli, capsys):
    assert main(["org", "import", str(cli)]) == 0
    capsys.readouterr()
    assert main(["usage", "sync", "copilot", "--since", "2026-11-20", "--until", "2026-11-22"]) == 0
    out = capsys.readouterr().out
    assert "copilot: 2026-11-20 to 2026-11-22: 1 usage row, 8,800 tokens, $0.00" in out
    assert "Copilot activity: 4 person-days, 43 lines added, 4 agent interactions" in out
    assert "seats: 4 held" in out
    assert "2 GitHub logins match no one in the people file" in out and "ghost, stranger" in out

    # /buildboard me: Copilot's interactions and lines beside spend, not counted as Cursor's.
    _, _, url = slack_http.command("me", user_id="U0BOB")
    [answer] = slack_http.responses(url)
    me = text_of(answer)
    assert "*In GitHub Copilot*\n10 interactions · 30 lines added" in me
    assert "In Cursor" not in me
    assert "*Seat cost*" in me  # his Copilot Business seat, charged per day

    # App Home: the same, week by week.
    event = {"type": "app_home_opened", "user": "U0BOB", "tab": "home", "event_ts": "1.0"}
    envelope = {"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event": event, "event_id": "Ev1"}
    slack_http.post(json.dumps({**envelope, "event_time": 1}), content_type="application/json")
    [published] = slack.wait_for("views.publish")
    home = json.dumps(published.args["view"]["blocks"], ensure_ascii=False)
    assert "10 Copilot interactions, 30 lines added" in home and "Cursor requests" not in home

    assert main(["export", "seats"]) == 0
    seats = capsys.readouterr().out.splitlines()
    assert "bob@example.com,copilot,copilot_business,19,2026-11-20,false" in seats, seats
    assert "carol@example.com,copilot,copilot_enterprise,39,2026-11-20,false" in seats, seats
    # Dan's seat: last_activity_at says 1 October, his report row says 21 November.
    assert "dan@example.com,copilot,copilot_business,19,2026-11-21,false" in seats, seats
    # A login nobody is matched to keeps its seat under the placeholder; held since the sync's first day only.
    assert "ghost@users.noreply.github.com,copilot,copilot_business,19,,false" in seats, seats

    # Team stats: everyone below Bob (Carol took completions, Dan chatted).
    _, _, url = slack_http.command("team", user_id="U0BOB")
    [answer] = slack_http.responses(url)
    team = text_of(answer)
    assert "*In GitHub Copilot*\n2 interactions · 8 lines added" in team, team
