"""Who is asked, and when: the pure nudge rules."""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.domain.nudges import NudgeCandidate, next_local_hour, person_zone, select_for_nudge, top_count
from bot.domain.stats import PersonWeek


def week(pid: int, spend: str, tokens: int = 1000, artifacts: int = 0) -> PersonWeek:
    return PersonWeek(pid, tokens, Decimal(spend), 1, artifacts, Decimal(artifacts))


def chosen(candidates, min_spend="50", top="10"):
    return [
        (c.person_id, c.rank, c.reason)
        for c in select_for_nudge(candidates, min_spend_usd=Decimal(min_spend), top_percent=Decimal(top))
    ]


def test_top_count_rounds_up_and_zero_turns_it_off():
    assert top_count(3, Decimal(10)) == 1
    assert top_count(20, Decimal(10)) == 2
    assert top_count(21, Decimal(10)) == 3
    assert top_count(5, Decimal(0)) == 0
    assert top_count(0, Decimal(10)) == 0
    assert top_count(4, Decimal(100)) == 4


def test_threshold_or_top_percent():
    people = [NudgeCandidate(week(i, str(s))) for i, s in enumerate([95, 45.5, 4, 0.25, 50, 0], start=1)]
    # 5 people with spend: top 10 % is 1 person (#1, who is also over $50); #2 has exactly $50.
    assert chosen(people) == [(1, 1, "min_spend"), (5, 2, "min_spend")]
    assert chosen(people, min_spend="1000", top="40") == [(1, 1, "top_percent"), (5, 2, "top_percent")]
    assert chosen(people, min_spend="1000", top="0") == []
    # Nobody with zero spend is asked, even with a zero threshold.
    assert [pid for pid, _, _ in chosen(people, min_spend="0", top="0")] == [1, 5, 2, 3, 4]


def test_exclusions_do_not_move_others_into_the_top_group():
    people = [
        NudgeCandidate(week(1, "500", artifacts=1)),  # already shared
        NudgeCandidate(week(2, "400"), active=False),  # deactivated
        NudgeCandidate(week(3, "300"), nudges_enabled=False),  # turned nudges off
        NudgeCandidate(week(4, "200"), in_org=False),  # departed
        NudgeCandidate(week(5, "100")),
        *[NudgeCandidate(week(10 + i, "1")) for i in range(15)],
    ]
    # 20 people: the top 10 % are #1 and #2, both excluded; #5 is not promoted into it.
    assert chosen(people, min_spend="1000") == []
    assert chosen(people, min_spend="100") == [(5, 5, "min_spend")]


def test_ties_are_ordered_by_tokens_then_id():
    people = [
        NudgeCandidate(week(2, "10", tokens=5)),
        NudgeCandidate(week(1, "10", tokens=5)),
        NudgeCandidate(week(3, "10", tokens=9)),
    ]
    assert chosen(people, min_spend="10") == [(3, 1, "min_spend"), (1, 2, "min_spend"), (2, 3, "min_spend")]


def test_person_zone_prefers_slack_then_file_then_default_and_skips_unknown_names():
    default = ZoneInfo("UTC")
    assert person_zone("Europe/Berlin", "Asia/Tokyo", default) == ZoneInfo("Europe/Berlin")
    assert person_zone(None, "Asia/Tokyo", default) == ZoneInfo("Asia/Tokyo")
    assert person_zone("Mars/Olympus", "Asia/Tokyo", default) == ZoneInfo("Asia/Tokyo")
    assert person_zone("", None, default) == default


def test_next_local_hour():
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert next_local_hour(now, ZoneInfo("America/Los_Angeles"), 10) == datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
    assert next_local_hour(now, ZoneInfo("Asia/Tokyo"), 10) == datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    assert next_local_hour(now, ZoneInfo("UTC"), 12) == now  # exactly now counts
    assert next_local_hour(now, ZoneInfo("UTC"), 11) == datetime(2026, 11, 26, 11, 0, tzinfo=UTC)


def test_next_local_hour_across_a_daylight_saving_change():
    # Europe/Berlin leaves summer time on 25 Oct 2026: 10:00 local is 08:00 UTC before, 09:00 UTC after.
    before = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)
    assert next_local_hour(before, ZoneInfo("Europe/Berlin"), 10) == datetime(2026, 10, 25, 9, 0, tzinfo=UTC)
