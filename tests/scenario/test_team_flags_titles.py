"""Flags (issue 4's rules) and titles in `/buildboard team`, `user` and `me`: shown to managers and the person only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import insert

from bot.db.models import UsageDaily
from bot.db.usage_weekly import refresh_usage_weekly
from tests.conftest import NOW
from tests.support.organisation import load_branches


def _spend(session, person_id: int, day: date, usd: str) -> None:
    session.execute(
        insert(UsageDaily),
        [
            {
                "person_id": person_id,
                "day": day,
                "provider": "openai",
                "model": "gpt-4.1",
                "input_tokens": 1000,
                "output_tokens": 100,
                "cost_usd": Decimal(usd),
                "cost_source": "reported",
                "source": "csv",
                "updated_at": NOW,
            }
        ],
    )
    refresh_usage_weekly(session, day, day)  # the row above bypassed write_usage


@pytest.fixture
def flagged_org(rt):
    """dan: three weeks of $50+ with nothing shared (unexplained); erin: W47 far above her usual $10 (spike)."""
    ids = load_branches(rt.sessions)
    with rt.sessions.begin() as session:
        _spend(session, ids["dan"], date(2026, 11, 3), "60.00")  # W45
        _spend(session, ids["dan"], date(2026, 11, 13), "55.00")  # W46: 10 + 55
        for day in (date(2026, 10, 20), date(2026, 10, 27), date(2026, 11, 4), date(2026, 11, 11)):
            _spend(session, ids["erin"], day, "10.00")  # W43..W46
    return ids


def answer_of(slack_http, text: str, user_id: str) -> str:
    _, body, url = slack_http.command(text, user_id=user_id)
    return str(body) if body else str(slack_http.responses(url)[0])


def test_managers_see_flags_with_the_numbers_behind_them(slack_http, flagged_org):
    bob = answer_of(slack_http, "team", "U0BOB")
    assert "*Flags (2026-W47)*" in bob
    assert "<@U0DAN> — $77.77" in bob and "unexplained spend" in bob
    assert "spike" not in bob and "U0ERIN" not in bob  # erin's spike is not bob's business
    # Erin's spike is on her: her manager sees it in her team, and she in `/buildboard me`; her own team is frank.
    erin = answer_of(slack_http, "team", "U0ERIN")
    assert "$58.91" not in erin and "spike" not in erin and "U0DAN" not in erin
    alice = answer_of(slack_http, "team", "U0ALICE")
    assert "<@U0ERIN> — $58.91" in alice and "spike" in alice
    victor = answer_of(slack_http, "user <@U0DAN|dan>", "U0VICTOR")
    assert "unexplained spend" in victor


def test_people_see_the_flags_their_manager_sees_and_their_titles(slack_http, flagged_org):
    dan = answer_of(slack_http, "me", "U0DAN")
    assert "Flags on you for 2026-W47" in dan and "unexplained spend" in dan
    carol = answer_of(slack_http, "me", "U0CAROL")
    assert "Flags on you" not in carol
    assert "*Your titles*" in carol and "Builder of the Week (2026-W47)" in carol
    assert "Efficiency Ace" not in carol  # frank's title
    bob_on_carol = answer_of(slack_http, "user <@U0CAROL|carol>", "U0BOB")
    assert "Builder of the Week (2026-W47)" in bob_on_carol
    bob_on_frank = answer_of(slack_http, "user <@U0FRANK|frank>", "U0BOB")
    assert "Efficiency Ace" not in bob_on_frank and "$" not in bob_on_frank
