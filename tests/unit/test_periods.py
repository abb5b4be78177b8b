from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.periods import IsoWeek, weeks_ending


def test_parse_and_format_round_trip():
    week = IsoWeek.parse("2026-W47")
    assert (week.start, week.end) == (date(2026, 11, 16), date(2026, 11, 22))
    assert str(week) == "2026-W47"
    assert IsoWeek.parse("2026w47") == week


@pytest.mark.parametrize("text", ["2026-47", "W47", "2026-W54", "2026-W00", "", "2025-W53"])
def test_parse_refuses_what_is_not_a_week(text):
    with pytest.raises(ValueError, match="week"):
        IsoWeek.parse(text)


def test_year_boundary_weeks():
    assert IsoWeek.containing(date(2026, 1, 1)) == IsoWeek(2026, 1)
    assert IsoWeek.containing(date(2027, 1, 1)) == IsoWeek(2026, 53)
    assert IsoWeek(2027, 1).previous() == IsoWeek(2026, 53)
    assert IsoWeek(2026, 53).next() == IsoWeek(2027, 1)


def test_last_complete_week_depends_on_the_time_zone():
    # Monday 00:30 in Tokyo is still Sunday in UTC.
    now = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)
    assert IsoWeek.last_complete(now, ZoneInfo("Asia/Tokyo")) == IsoWeek(2026, 47)
    assert IsoWeek.last_complete(now, ZoneInfo("UTC")) == IsoWeek(2026, 46)


def test_weeks_ending_is_oldest_first():
    assert [str(w) for w in weeks_ending(IsoWeek(2027, 2), 3)] == ["2026-W53", "2027-W01", "2027-W02"]


def test_label_spans_months():
    assert IsoWeek(2026, 49).label() == "Week 49 (30 Nov–6 Dec 2026)"
    assert IsoWeek(2026, 47).label() == "Week 47 (16–22 Nov 2026)"
