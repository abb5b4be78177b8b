"""Manager flags from the database, and `/buildboard leaderboard` / `privacy` through the real endpoint."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from bot.db.models import Nudge, Person, UsageDaily
from bot.db.usage_weekly import rebuild_usage_weekly
from bot.domain.periods import IsoWeek
from bot.services.flags import flags_for_people
from tests.conftest import NOW
from tests.support.artifacts import add_artifact
from tests.support.organisation import load_org

W47, W48 = IsoWeek(2026, 47), IsoWeek(2026, 48)


def add_usage(sessions, email: str, day: date, cost: str, tokens: int = 100_000) -> None:
    with sessions.begin() as session:
        person = session.scalars(select(Person).where(Person.email == email)).one()
        session.add(
            UsageDaily(
                person_id=person.id,
                day=day,
                provider="openai",
                model="gpt-4o-test",
                input_tokens=tokens,
                output_tokens=0,
                cost_usd=Decimal(cost),
                cost_source="reported",
                source="csv",
                updated_at=NOW,
            )
        )
        rebuild_usage_weekly(session)  # the row above bypassed write_usage


def ids(sessions) -> dict[str, int]:
    with sessions() as session:
        return {p.email.split("@")[0]: p.id for p in session.scalars(select(Person))}


def test_flags_for_people(rt):
    load_org(rt.sessions)
    people = ids(rt.sessions)
    monday = W47.start
    # Dan: at least $50 in each of W45–W47 (W47 already has $4 from the file) and nothing to show for it.
    for weeks_back, cost in ((2, "60"), (1, "70"), (0, "50")):
        add_usage(rt.sessions, "dan@example.com", monday - timedelta(weeks=weeks_back) + timedelta(days=1), cost)
    # Carol: the same pattern, but she said why ("nothing to show yet") in W46.
    for weeks_back in (2, 1):
        add_usage(rt.sessions, "carol@example.com", monday - timedelta(weeks=weeks_back) + timedelta(days=2), "80")
    with rt.sessions.begin() as session:
        session.add(
            Nudge(
                person_id=people["carol"],
                week_start=W47.previous().start,
                status="nothing_to_show",
                reason="exploring",
                created_at=NOW,
            )
        )
    # Erin: $10 a week for four weeks, then $45.50 in W47: a spike (4.6× the median).
    for weeks_back in (4, 3, 2, 1):
        add_usage(rt.sessions, "erin@example.com", monday - timedelta(weeks=weeks_back), "10")
    # Bob: an artifact explains nothing about $0.25, and nothing is flagged.
    add_artifact(rt.sessions, "bob@example.com", W47, "Tiny script", units="1")
    with rt.sessions() as session:
        flags = flags_for_people(session, list(people.values()), W47, rt.settings)
    assert set(flags) == {people["dan"], people["erin"]}
    [dan] = flags[people["dan"]]
    assert dan.kind == "unexplained_spend" and dan.week == W47
    assert dan.detail == (
        "$194.00 over 3 weeks (2026-W45–2026-W47), each at least $50.00, with no artifact and no reason given"
    )
    [erin] = flags[people["erin"]]
    assert erin.kind == "spike"
    assert erin.detail == "$45.50 in 2026-W47, 4.6× the median of the 4 weeks before ($10.00)"
    # Only the people asked about.
    with rt.sessions() as session:
        assert set(flags_for_people(session, [people["erin"]], W47, rt.settings)) == {people["erin"]}
        assert flags_for_people(session, [], W47, rt.settings) == {}


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
    assert text.splitlines()[:3] == [
        "*By work units*",
        "1. <@U0CAROL> — *2 work units* · 1 shared · 300K tokens · $12.00 · $6.00/unit",
        "2. <@U0DAN> — *0 work units* · 0 shared · 2M tokens · $30.00 · no output yet",
    ]
    assert "*You:*" not in text  # Erin has no activity this week
    mine = board_text(slack_http, "U0DAN")
    assert "*You:* #2 of 2 — 0 work units · 0 shared · 2M tokens · $30.00" in mine


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
    assert "1. <@U0DAN>" in others
    # Carol still sees her own numbers, privately.
    own = board_text(slack_http, "U0CAROL")
    assert "*You:* #1 of 2 — 2 work units · 1 shared · 300K tokens · $12.00" in own
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
