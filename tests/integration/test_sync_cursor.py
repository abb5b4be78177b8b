"""`usage sync cursor` through httpx against a local Cursor Admin API: usage, activity, seats and their costs."""

from __future__ import annotations

import base64
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.db.models import Person, Seat, UsageDaily
from bot.ingest.cursor_admin import Pacer
from bot.services.sync import configured_providers
from tests.conftest import NOW
from tests.fakes.cursor_admin import ADMIN_KEY, DAILY_USAGE, MEMBERS, USAGE_EVENTS, FakeCursorAdmin
from tests.support.cursor_usage import D20, D21, D22, fill_cursor
from tests.support.organisation import load_people
from tests.support.sync import run_sync, snapshot, stored_activity, stored_usage, sync_settings


@pytest.fixture
def cursor_fake():
    with FakeCursorAdmin(max_page_size=2) as fake:
        fill_cursor(fake)
        yield fake


@pytest.fixture
def settings_for(database_url, slack, cursor_fake):
    return sync_settings(database_url, slack, cursor_fake=cursor_fake)


def usage_only(sessions):
    return {k: r for k, r in stored_usage(sessions).items() if r.cost_source != "seat"}


def seat_rows(sessions):
    return {k: r for k, r in stored_usage(sessions).items() if r.cost_source == "seat"}


def test_usage_events_are_stored_per_person_day_and_model_with_the_billed_cost_exactly(
    sessions, settings_for, cursor_fake
):
    load_people(sessions)
    report = run_sync("cursor", sessions, settings_for, D20, D22)

    assert report.ok, report.error
    rows = usage_only(sessions)
    assert {k: (r.cost_usd, r.cost_source, r.source, r.provider) for k, r in rows.items()} == {
        # 12.3456 cents (no chargedCents: totalCents) + 0.75 cents charged.
        ("bob@example.com", "2026-11-20", "claude-4-sonnet"): (Decimal("0.130956"), "reported", "cursor", "cursor"),
        # The included event costs nothing on top of the seat; the usage-based one its chargedCents.
        ("carol@example.com", "2026-11-21", "gpt-5"): (Decimal("0.011"), "reported", "cursor", "cursor"),
        ("newbie@example.com", "2026-11-22", "o3"): (Decimal("0.05"), "reported", "cursor", "cursor"),
    }
    bob = rows[("bob@example.com", "2026-11-20", "claude-4-sonnet")]
    # input = input + cache reads + cache writes; cached = cache reads; one request per event.
    assert (bob.input_tokens, bob.cached_input_tokens, bob.output_tokens, bob.requests) == (3310, 2000, 505, 2)
    assert report.unmatched_emails == {"newbie@example.com"}
    assert (report.unattributable.rows, report.unattributable.tokens) == (1, 60)
    assert report.unattributable.cost_usd == Decimal("0.03")


def test_daily_usage_data_is_stored_beside_claude_code_activity(sessions, settings_for, cursor_fake):
    load_people(sessions)
    report = run_sync("cursor", sessions, settings_for, D20, D22)
    activity = stored_activity(sessions)
    assert set(activity) == {("bob@example.com", "2026-11-20"), ("carol@example.com", "2026-11-21")}
    bob = activity[("bob@example.com", "2026-11-20")]
    assert (bob.provider, bob.lines_added, bob.agent_requests, bob.composer_requests, bob.chat_requests) == (
        "cursor",
        120,
        7,
        2,
        3,
    )
    assert report.activity_rows == 2
    assert "Cursor activity: 2 person-days, 160 accepted lines, 8 agent requests" in report.summary_lines()


def test_members_are_seats_charged_day_by_day_and_removed_members_hold_none(sessions, settings_for, cursor_fake):
    load_people(sessions)
    report = run_sync("cursor", sessions, settings_for, D20, D22)
    with sessions() as session:
        seats = {
            email: (seat.tool, seat.plan, seat.held_since, seat.ended_on)
            for seat, email in session.execute(select(Seat, Person.email).join(Person, Person.id == Seat.person_id))
        }
    assert seats == {
        email: ("cursor", "cursor_teams", D20, None)
        for email in ("bob@example.com", "carol@example.com", "dan@example.com", "newbie@example.com")
    }
    charged = seat_rows(sessions)
    # Four seats × three days, each $40 / 30 days of November, as rows of their own.
    assert len(charged) == 12
    row = charged[("dan@example.com", "2026-11-21", "cursor_teams seat")]
    assert (row.cost_usd, row.provider, row.source, row.input_tokens) == (Decimal("1.333333"), "cursor", "seats", 0)
    assert report.seats_held == 4 and report.seat_cost_usd == sum(r.cost_usd for r in charged.values())


def test_requests_use_basic_auth_epoch_ms_and_every_page(sessions, settings_for, cursor_fake):
    load_people(sessions)
    run_sync("cursor", sessions, settings_for, D20, D22)
    members = cursor_fake.requests_to(MEMBERS)
    assert len(members) == 1 and members[0].method == "GET"
    assert members[0].headers["authorization"] == "Basic " + base64.b64encode(f"{ADMIN_KEY}:".encode()).decode()
    events = cursor_fake.requests_to(USAGE_EVENTS)
    # Six events, at most 2 a page: 3 pages, asked for one after the other.
    assert [r.body["page"] for r in events] == [1, 2, 3]
    first = events[0].body
    assert first["startDate"] == 1_795_132_800_000  # 2026-11-20T00:00Z
    assert first["endDate"] == 1_795_392_000_000 - 1  # the last millisecond of 2026-11-22
    assert [r.body["page"] for r in cursor_fake.requests_to(DAILY_USAGE)] == [1, 2]


def test_rate_limit_is_honoured_and_retried_once(sessions, settings_for, cursor_fake):
    load_people(sessions)
    cursor_fake.fail_next(USAGE_EVENTS, 429, retry_after="1")
    cursor_fake.fail_next(DAILY_USAGE, 503)
    report = run_sync("cursor", sessions, settings_for, D20, D22)
    assert report.ok, report.error
    limited, retried = cursor_fake.requests_to(USAGE_EVENTS)[:2]
    assert (limited.status, retried.status) == (429, 200) and retried.at - limited.at >= 0.95
    assert retried.body == limited.body
    assert [r.status for r in cursor_fake.requests_to(DAILY_USAGE)][:2] == [503, 200]
    assert len(usage_only(sessions)) == 3


def test_a_failed_window_writes_nothing_and_names_the_retry_command(sessions, settings_for, cursor_fake):
    load_people(sessions)
    cursor_fake.fail_next(DAILY_USAGE, 500, times=10)
    report = run_sync("cursor", sessions, settings_for, D20, D22, max_retries=1)
    assert not report.ok
    assert report.error.startswith("POST /teams/daily-usage-data: Cursor answered HTTP 500")
    assert "nothing was written for 2026-11-20 to 2026-11-22" in report.error
    assert report.retry_command() == "buildboard usage sync cursor --since 2026-11-20 --until 2026-11-22"
    assert stored_usage(sessions) == {} and stored_activity(sessions) == {}
    with sessions() as session:
        assert session.scalars(select(Seat)).all() == []
    assert ADMIN_KEY not in report.error


def test_repeat_changes_nothing_and_revisions_are_corrected(sessions, settings_for, cursor_fake):
    load_people(sessions)
    run_sync("cursor", sessions, settings_for, D20, D22)
    before = snapshot(sessions)
    run_sync("cursor", sessions, settings_for, D20, D22, now=NOW + timedelta(hours=3))
    assert snapshot(sessions) == before
    cursor_fake.events[3].charged_cents = Decimal("2.2")  # carol's usage-based event, revised up
    cursor_fake.events.pop(4)  # newbie's o3 event is gone
    cursor_fake.daily.pop(1)  # carol's day of activity is gone
    cursor_fake.members[0].is_removed = True  # bob left the Cursor team
    report = run_sync("cursor", sessions, settings_for, D21, D22, now=NOW + timedelta(hours=4))
    rows = usage_only(sessions)
    assert rows[("carol@example.com", "2026-11-21", "gpt-5")].cost_usd == Decimal("0.022")
    assert ("newbie@example.com", "2026-11-22", "o3") not in rows
    assert report.removed_rows == 1
    assert ("carol@example.com", "2026-11-21") not in stored_activity(sessions)
    with sessions() as session:
        bob_seat = session.scalars(select(Seat).join(Person).where(Person.email == "bob@example.com")).one()
    # Ended the day before the sync that no longer lists him: charged through it, not after.
    assert bob_seat.ended_on == NOW.date() - timedelta(days=1)
    assert report.seats_ended == 1


def test_the_pacer_keeps_to_twenty_requests_a_minute_on_its_clock():
    clock = [0.0]
    sent = []

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    pacer = Pacer(20, clock=lambda: clock[0], sleep=sleep)
    for _ in range(41):
        pacer.wait()
        sent.append(clock[0])
    assert sent[1] - sent[0] == pytest.approx(3.0)
    assert sum(1 for t in sent if t < 60) == 20  # any minute holds at most 20
    pacer.hold(10)
    before = clock[0]
    pacer.wait()
    assert clock[0] - before == pytest.approx(10)


def test_the_daily_job_syncs_cursor_when_its_key_is_set(database_url, slack, cursor_fake):
    settings = sync_settings(database_url, slack, cursor_fake=cursor_fake)
    assert configured_providers(settings) == ["cursor"]


def test_seat_rows_stay_out_of_the_weekly_rollup(sessions, settings_for, cursor_fake):
    from bot.db.models import UsageWeekly

    load_people(sessions)
    run_sync("cursor", sessions, settings_for, D20, D22)
    with sessions() as session:
        dan = session.scalar(select(Person.id).where(Person.email == "dan@example.com"))
        assert session.scalars(select(UsageWeekly).where(UsageWeekly.person_id == dan)).all() == []
        assert session.scalar(select(UsageDaily.id).where(UsageDaily.person_id == dan)) is not None


def test_day_of_a_month_share_adds_up_to_the_price(sessions):
    from bot.domain.seats import daily_share

    for month, days in ((2, 28), (11, 30), (12, 31)):
        total = sum(daily_share(Decimal("19"), date(2026, month, d)) for d in range(1, days + 1))
        assert total == Decimal("19")
