"""The usage bounds, as one pure rule."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from bot.domain.usage_bounds import (
    MAX_COST_USD,
    MAX_TOKENS,
    last_usage_day,
    usage_value_problems,
    within_usage_bounds,
)

LAST = date(2026, 11, 26)


def test_tomorrow_in_utc_is_the_last_day_whatever_the_clock_zone():
    assert last_usage_day(datetime(2026, 11, 25, 23, 30, tzinfo=UTC)) == LAST
    # 00:30 on the 26th at UTC+14 is still the 25th in UTC.
    assert last_usage_day(datetime(2026, 11, 26, 0, 30, tzinfo=timezone(timedelta(hours=14)))) == LAST


def test_values_at_the_bounds_pass_and_beyond_them_are_named():
    assert usage_value_problems(LAST, (MAX_TOKENS, MAX_TOKENS, 0, 0), 1, MAX_COST_USD, LAST) == []
    assert usage_value_problems(date(2015, 1, 1), (0, 0, 0, 0), 0, None, LAST) == []
    found = usage_value_problems(date(2014, 12, 31), (MAX_TOKENS + 1, 0, -1, 0), 10**10, Decimal("1e400"), LAST)
    assert [name for name, _ in found] == ["date", "input_tokens", "cached_input_tokens", "requests", "cost_usd"]
    assert usage_value_problems(LAST, (0, 0, 0, 0), 0, Decimal("NaN"), LAST)[0][0] == "cost_usd"


def test_the_quick_test_agrees_with_the_worded_one():
    days = (date(2014, 12, 31), date(2015, 1, 1), LAST, LAST + timedelta(days=1))
    counts = (-1, 0, MAX_TOKENS, MAX_TOKENS + 1)
    costs = (None, Decimal(-1), Decimal(0), MAX_COST_USD, MAX_COST_USD + Decimal("0.000001"), Decimal("Infinity"))
    for day in days:
        for count in counts:
            for cost in costs:
                for tokens in ((count, 0, 0, 0), (0, count, 0, 0), (0, 0, count, 0), (0, 0, 0, count)):
                    for requests in (0, 10**9, 10**9 + 1):
                        worded = usage_value_problems(day, tokens, requests, cost, LAST)
                        assert within_usage_bounds(day, tokens, requests, cost, LAST) == (not worded)
