"""Seat rules: a month's days add up to the price, when a seat is idle, the seats file, and Cursor's cost rule."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal

import pytest

from bot.domain.seats import SeatState, daily_share, is_idle, month_key
from bot.ingest.csv_files import read_people
from bot.ingest.cursor_admin import event_cost_usd
from bot.ingest.errors import BadImportFile
from bot.ingest.seat_prices import SeatPrices

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize("price", ["40", "19", "39.99", "0.01", "1234.567"])
@pytest.mark.parametrize("year, month", [(2026, 2), (2028, 2), (2026, 11), (2026, 12)])
def test_the_days_of_a_month_add_up_to_the_price_exactly(price, year, month):
    import calendar

    days = calendar.monthrange(year, month)[1]
    shares = [daily_share(Decimal(price), date(year, month, d)) for d in range(1, days + 1)]
    assert sum(shares) == Decimal(price)
    assert max(shares) - min(shares) <= Decimal("0.000001")


def test_a_seat_is_idle_after_the_period_without_use_and_never_when_new_or_unobservable():
    old = date(2026, 9, 1)
    assert is_idle(SeatState(old, None), TODAY, 30)
    assert is_idle(SeatState(old, date(2026, 10, 26)), TODAY, 30)  # 30 days before today, not within
    assert not is_idle(SeatState(old, date(2026, 10, 27)), TODAY, 30)  # the first day of the 30
    assert not is_idle(SeatState(date(2026, 10, 28), None), TODAY, 30)  # held 29 days: too new to tell
    assert is_idle(SeatState(date(2026, 10, 27), None), TODAY, 30)  # held the whole 30 days, unused
    assert not is_idle(SeatState(old, None, observable=False), TODAY, 30)
    assert month_key(TODAY) == "2026-11"


def test_the_bundled_seats_file_has_a_dated_sourced_price_for_every_plan():
    prices = SeatPrices.load()
    assert set(prices.plans) >= {
        "copilot_business",
        "copilot_enterprise",
        "cursor_teams",
        "claude_team",
        "claude_enterprise",
        "chatgpt_business",
    }
    for plan in prices.plans.values():
        assert plan.monthly_usd is not None and plan.monthly_usd > 0, plan
        assert plan.source and plan.as_of, plan
    assert prices.default_plan("cursor").key == "cursor_teams"
    assert "chatgpt_business" not in prices.observable


def test_a_seats_file_overrides_field_by_field_and_bad_files_say_what_is_wrong(tmp_path):
    path = tmp_path / "seats.toml"
    path.write_text('[plans.cursor_teams]\nmonthly_usd = "32"\n[plans.windsurf]\ntool = "windsurf"\nprovider = "w"\n')
    prices = SeatPrices.load(path)
    assert prices.plan("cursor_teams").monthly_usd == Decimal(32) and prices.plan("cursor_teams").tool == "cursor"
    assert prices.plan("windsurf").monthly_usd is None
    for text, problem in [
        ("[plans.x\n", "not valid TOML"),
        ('[plans.x]\ntool = "x"\n', "needs a 'provider'"),
        ('[plans.x]\ntool = "x"\nprovider = "x"\nmonthly_usd = "lots"\n', "is not a number"),
        ('[plans.x]\ntool = "x"\nprovider = "x"\nmonthly_usd = "-1"\n', "0 or more"),
        ('[plans.x]\ntool = "x"\nprovider = "x"\nprise = "1"\n', "unknown field 'prise'"),
    ]:
        path.write_text(text)
        with pytest.raises(ValueError, match=problem):
            SeatPrices.load(path)
    with pytest.raises(ValueError, match="cannot be read"):
        SeatPrices.load(tmp_path / "missing.toml")


def test_a_seats_file_is_parsed_once_while_unchanged_and_read_again_after_an_edit(tmp_path):
    path = tmp_path / "seats.toml"
    path.write_text('[plans.cursor_teams]\nmonthly_usd = "32"\n')
    first = SeatPrices.load(path)
    assert SeatPrices.load(path) is first  # the same parse: nothing read again
    # An edit of the same length a moment later: the modification time alone tells it apart.
    before = path.stat()
    path.write_text('[plans.cursor_teams]\nmonthly_usd = "33"\n')
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))
    assert SeatPrices.load(path).plan("cursor_teams").monthly_usd == Decimal(33)
    path.write_text("[plans.x\n")  # a broken edit is refused at the next load, not hidden by the cache
    with pytest.raises(ValueError, match="not valid TOML"):
        SeatPrices.load(path)
    path.write_text('[plans.cursor_teams]\nmonthly_usd = "35.5"\n')
    assert SeatPrices.load(path).plan("cursor_teams").monthly_usd == Decimal("35.5")


def test_cursor_cost_is_what_was_billed_on_top_of_the_seat():
    usage = {"tokenUsage": {"totalCents": 12.5}, "kind": "Usage-based"}
    assert event_cost_usd(usage) == Decimal("0.125")
    assert event_cost_usd({**usage, "chargedCents": Decimal("0.75")}) == Decimal("0.0075")
    assert event_cost_usd({**usage, "kind": "Included in Business"}) == Decimal(0)
    assert event_cost_usd({**usage, "isChargeable": False}) == Decimal(0)
    assert event_cost_usd({"kind": "Usage-based"}) == Decimal(0)


def test_the_people_file_seats_column_is_checked_against_the_seats_file(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(
        "email,name,team,manager_email,seats\n"
        "a@example.com,A,T,,claude_team; ChatGPT_Business\n"
        "b@example.com,B,T,a@example.com,\n"
    )
    plans = SeatPrices.load().plans
    a, b = read_people(path, seat_plans=plans)
    assert a.seats == ("claude_team", "chatgpt_business") and b.seats == ()
    path.write_text("email,name,team,manager_email,seats\na@example.com,A,T,,claude_tem\n")
    with pytest.raises(BadImportFile) as refused:
        read_people(path, seat_plans=plans)
    assert "line 2" in str(refused.value.details()) and "'claude_tem' is not a plan" in str(refused.value.details())
    path.write_text("email,name,team,manager_email\na@example.com,A,T,\n")
    assert read_people(path)[0].seats is None  # no column: seats from the people file are left as they are
