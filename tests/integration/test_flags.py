"""Manager flags computed from the database: sustained spend with nothing to show, a spike, a reason given."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.models import Nudge, Person
from bot.domain.periods import IsoWeek
from bot.services.flags import flags_for_people
from tests.conftest import NOW
from tests.support.artifacts import add_artifact
from tests.support.organisation import load_org
from tests.support.usage_rows import add_usage

W47 = IsoWeek(2026, 47)


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


def test_an_idle_seat_is_a_flag_wherever_flags_are_shown(rt):
    """One mechanism: /buildboard me, /buildboard user and 'me data' (what a manager is shown) all see it."""
    from bot.ingest.records import SeatRecord
    from bot.ingest.seat_prices import SeatPrices
    from bot.services.seats import record_seats
    from bot.services.transparency import stored_about

    load_org(rt.sessions)
    with rt.sessions.begin() as session:
        record_seats(
            session,
            [SeatRecord("carol@example.com", "cursor", plan="cursor_teams")],
            source="people_file",
            prices=SeatPrices.load(),
            held_since=W47.end - timedelta(days=60),
            today=W47.end,
            now=NOW,
        )
    with rt.sessions() as session:
        carol = session.scalars(select(Person).where(Person.email == "carol@example.com")).one()
        [flag] = [f for f in flags_for_people(session, [carol.id], W47, rt.settings)[carol.id] if f.kind == "idle_seat"]
        assert "seat" in flag.detail and "unused for 30 days" in flag.detail
        shown = stored_about(session, carol, flags_week=W47, settings=rt.settings).flags
    assert [f["detail"] for f in shown if f["kind"] == "idle_seat"] == [flag.detail]
