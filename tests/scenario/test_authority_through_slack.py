"""A person deactivated in Slack (a signed user_change event) drops off boards and nudges but stays in totals."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.db.models import Person
from bot.domain.command_args import Target
from bot.domain.periods import IsoWeek
from bot.services.authority import Viewer
from bot.services.team import team_answer
from tests.conftest import NOW, make_settings
from tests.support.organisation import load_branches

W47 = IsoWeek(2026, 47)


@pytest.fixture
def settings(database_url, slack):
    return make_settings(database_url, slack, admins=("gina@example.com",))


def viewer(ids, name, admin=False):
    return Viewer(ids[name], admin)


def _user_change(slack_http, user: dict) -> int:
    body = json.dumps(
        {
            "token": "unused",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": f"Ev{user['id']}{user.get('deleted')}",
            "event_time": int(time.time()),
            "event": {"type": "user_change", "user": user, "event_ts": str(time.time())},
        }
    )
    status, _ = slack_http.post(body, content_type="application/json")
    return status


def _active(rt, person_id) -> bool:
    with rt.sessions() as session:
        return session.get(Person, person_id).active


def _wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_deactivated_in_slack_drops_off_boards_but_stays_in_totals(slack_http, rt, settings):
    from bot.services.digest import compute_digest
    from bot.services.nudges import plan_nudges

    ids = load_branches(rt.sessions)
    with rt.sessions() as session:
        assert ids["dan"] in [p.person_id for p in plan_nudges(session, settings, W47, NOW, at_local_hour=False)]
    assert _user_change(slack_http, {"id": "U0DAN", "deleted": True}) == 200
    assert _wait_for(lambda: not _active(rt, ids["dan"]))
    with rt.sessions() as session:
        digest = compute_digest(session, W47, settings)
        bob = team_answer(session, viewer(ids, "bob"), Target(), 1, settings, now=NOW).report
        nudged = [p.person_id for p in plan_nudges(session, settings, W47, NOW, at_local_hour=False)]
    assert ids["dan"] not in nudged and ids["erin"] in nudged  # no longer asked; others still are
    assert "Dan Diaz" not in [entry.name for entry in digest.leaderboard]
    assert digest.totals.spend_usd == Decimal("295.61")  # his usage still counts
    # Below bob: carol and dan (his usage still counts); carol is the one active person left. Bob is not his own team.
    assert bob.totals.spend_usd == Decimal("131.28") and bob.totals.people == 1
    _, _, url = slack_http.command("team", user_id="U0BOB")
    assert "<@U0DAN> (deactivated)" in str(slack_http.responses(url)[0])
    # Reactivated in Slack: back to normal. Unknown users are ignored.
    assert _user_change(slack_http, {"id": "U0DAN", "deleted": False}) == 200
    assert _user_change(slack_http, {"id": "U0SOMEONE", "deleted": True}) == 200
    assert _wait_for(lambda: _active(rt, ids["dan"]))
    with rt.sessions() as session:
        assert session.scalar(select(Person.active).where(Person.id == ids["carol"])) is True
