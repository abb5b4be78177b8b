"""Cursor synced by the CLI, seats from the people file: seat costs apart and together in /buildboard me, team
stats and the digest; idle seats flagged to managers and counted for admins; the export; `prices check`; and the
friendly monthly DM through the outbox."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.db.models import OutboxMessage, Person
from bot.runtime import Runtime
from bot.settings import Settings
from bot.slack.blocks.plain_text import render_message
from tests.conftest import BOT_TOKEN, DIGEST_CHANNEL, NOW, make_settings
from tests.fakes.cursor_admin import ADMIN_KEY, FakeCursorAdmin
from tests.support.cursor_usage import fill_cursor

PEOPLE = """email,name,team,manager_email,slack_user_id,timezone,seats
alice@example.com,Alice Archer,Leadership,,U0ALICE,Europe/London,chatgpt_business
bob@example.com,Bob Baker,Platform,alice@example.com,U0BOB,America/New_York,
carol@example.com,Carol Chen,Platform,bob@example.com,U0CAROL,America/Los_Angeles,
dan@example.com,Dan Diaz,Platform,bob@example.com,U0DAN,,
erin@example.com,Erin Evans,Research,alice@example.com,U0ERIN,Asia/Tokyo,claude_team;windsurf_business
"""

# A tool with seats but no price yet: `prices check` must name it.
SEATS_FILE = """
[plans.windsurf_business]
tool = "windsurf"
provider = "windsurf"
label = "Windsurf Teams"
"""


@pytest.fixture
def cursor_fake():
    with FakeCursorAdmin(max_page_size=3) as fake:
        fill_cursor(fake)
        yield fake


@pytest.fixture
def seats_file(tmp_path):
    path = tmp_path / "seats.toml"
    path.write_text(SEATS_FILE)
    return path


@pytest.fixture
def settings(database_url, slack, seats_file):
    # Erin is an admin with nobody reporting to her: her `/buildboard team` is the whole organisation.
    return make_settings(database_url, slack, admins=("U0ERIN",), seats_file=str(seats_file), idle_seat_dm=True)


@pytest.fixture
def cli(database_url, slack, cursor_fake, seats_file, monkeypatch, tmp_path):
    for name, value in {
        "DATABASE_URL": database_url,
        "CURSOR_ADMIN_KEY": ADMIN_KEY,
        "CURSOR_API_URL": cursor_fake.base_url,
        "CURSOR_REQUESTS_PER_MINUTE": "60000",
        "BUILDBOARD_SEATS_FILE": str(seats_file),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.base_url,
        "BUILDBOARD_DIGEST_CHANNEL": DIGEST_CHANNEL,
    }.items():
        monkeypatch.setenv(name, value)
    pinned = lambda **_: Runtime(Settings(_env_file=None), clock=lambda: NOW)  # noqa: E731 - the commands' clock at NOW
    for module in ("data", "sync", "prices", "digest"):
        monkeypatch.setattr(f"bot.commands.{module}.runtime", pinned)
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE)
    return people


def text_of(answer: dict) -> str:
    return render_message({"blocks": answer["blocks"]})


def test_cursor_and_seats_from_sync_to_slack(rt, slack, slack_http, cursor_fake, cli, capsys):
    assert main(["org", "import", str(cli)]) == 0
    assert "3 seats" in capsys.readouterr().out
    assert main(["usage", "sync", "cursor", "--since", "2026-10-01", "--until", "2026-11-24"]) == 0
    out = capsys.readouterr().out
    assert "cursor: 2026-10-01 to 2026-11-24: 3 usage rows" in out
    assert "seats: 4 held" in out and "Cursor activity: 2 person-days" in out

    # /buildboard me: seat cost apart from spend, then together; Cursor's requests beside them.
    _, _, url = slack_http.command("me", user_id="U0BOB")
    [answer] = slack_http.responses(url)
    me = text_of(answer)
    assert "*Seat cost*\n$2.67 (with spend: $2.67)" in me  # this week: 23 and 24 November
    assert "*Seat cost*\n$9.33 (with spend: $9.46)" in me  # last week: 7 days, and $0.13 of usage
    assert "7 agent · 2 composer · 3 chat requests · 120 lines accepted" in me

    # App Home: the same, week by week.
    event = {"type": "app_home_opened", "user": "U0BOB", "tab": "home", "event_ts": "1.0"}
    envelope = {"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event": event, "event_id": "Ev1"}
    slack_http.post(json.dumps({**envelope, "event_time": 1}), content_type="application/json")
    [published] = slack.wait_for("views.publish")
    home = json.dumps(published.args["view"]["blocks"], ensure_ascii=False)
    assert "seats $2.67 (with spend: $2.67)" in home
    assert "seats $9.33 (with spend: $9.46) · 12 Cursor requests, 120 lines accepted" in home

    # Bob manages Carol and Dan: Dan's Cursor seat is idle, with the tool, its price and last active day.
    _, _, url = slack_http.command("team", user_id="U0BOB")
    [answer] = slack_http.responses(url)
    team = text_of(answer)
    assert "*Idle seats* (no use for 30 days): 1, $40.00 a month" in team
    assert "Cursor Teams ($40.00 a month), never seen active" in team
    assert "*Seat cost*" in team and "*Spend and seats*" in team

    # …and on Dan himself, a flag his managers see (and he sees in /buildboard me, as every flag on him).
    _, _, url = slack_http.command("user <@U0DAN|dan>", user_id="U0BOB")
    [answer] = slack_http.responses(url)
    flag = "idle seat: Cursor Teams seat ($40.00 a month) unused for 30 days, never seen active"
    assert flag in text_of(answer)
    _, _, url = slack_http.command("me", user_id="U0DAN")
    [answer] = slack_http.responses(url)
    assert flag in text_of(answer)
    _, _, url = slack_http.command("user <@U0DAN|dan>", user_id="U0CAROL")
    [answer] = slack_http.responses(url)
    assert "idle seat" not in text_of(answer)  # a colleague may not see it

    # The admin's whole-organisation view counts idle seats and their monthly cost.
    _, _, url = slack_http.command("team", user_id="U0ERIN")
    [answer] = slack_http.responses(url)
    assert "*Idle seats* (no use for 30 days): 1, $40.00 a month" in text_of(answer)

    # Carol sees no idle seats of anyone: she manages nobody.
    _, _, url = slack_http.command("team", user_id="U0CAROL")
    [answer] = slack_http.responses(url)
    assert "Idle seats" not in text_of(answer) and "Dan" not in text_of(answer)

    # The digest shows seat cost apart from spend, and together.
    assert main(["digest", "--week", "2026-W47", "--dry-run"]) == 0
    digest = capsys.readouterr().out
    assert "Seats: $37.33 this week · spend and seats together: $37.53" in digest

    assert main(["export", "seats"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "email,tool,plan,monthly_usd,last_active_day,idle",
        "alice@example.com,chatgpt,chatgpt_business,30,,false",  # ChatGPT reports no use: never called idle
        "bob@example.com,cursor,cursor_teams,40,2026-11-20,false",
        "carol@example.com,cursor,cursor_teams,40,2026-11-21,false",
        "dan@example.com,cursor,cursor_teams,40,,true",
        "erin@example.com,claude,claude_team,30,,false",  # held since today: too new to tell
        "erin@example.com,windsurf,windsurf_business,,,false",
        "newbie@example.com,cursor,cursor_teams,40,2026-11-22,false",
    ]

    assert main(["prices", "check"]) == 0
    check = capsys.readouterr().out
    assert "cursor claude-4-sonnet: 3,815 tokens, last used 2026-11-20" in check
    assert "gpt-5" not in check and "o3" not in check
    assert "  windsurf_business" in check


def test_idle_seat_dm_once_a_month_through_the_outbox_never_when_dms_are_off(rt, slack, cursor_fake, cli, capsys):
    from bot.jobs.tasks import seat_upkeep

    assert main(["org", "import", str(cli)]) == 0
    assert main(["usage", "sync", "cursor", "--since", "2026-10-01", "--until", "2026-11-24"]) == 0
    with rt.sessions.begin() as session:
        session.scalars(select(Person).where(Person.email == "dan@example.com")).one().nudges_enabled = False
    today = NOW.date()
    assert seat_upkeep(rt, today, today).endswith("0 idle-seat DMs queued")

    with rt.sessions.begin() as session:
        session.scalars(select(Person).where(Person.email == "dan@example.com")).one().nudges_enabled = True
    assert seat_upkeep(rt, today, today).endswith("1 idle-seat DMs queued")
    assert seat_upkeep(rt, today, today).endswith("0 idle-seat DMs queued")  # the same month: once
    rt.sender.send_due()
    [dm] = slack.messages_in("DU0DAN")
    assert "haven't used in the last 30 days" in dm["text"]
    assert "Cursor" in render_message(dm)
    assert slack.messages_in(DIGEST_CHANNEL) == []  # never public
    with rt.sessions() as session:
        [row] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "idle_seat")).all()
        assert row.idempotency_key.endswith(":2026-11") and row.status == "sent"

    # Next month, a second (and only a second) DM; someone who turned DMs off since it was queued gets none.
    later = NOW + timedelta(days=10)
    rt.clock = lambda: later
    assert seat_upkeep(rt, later.date(), later.date()).endswith("1 idle-seat DMs queued")
    with rt.sessions.begin() as session:
        session.scalars(select(Person).where(Person.email == "dan@example.com")).one().nudges_enabled = False
    rt.sender.send_due()
    assert len(slack.messages_in("DU0DAN")) == 1
