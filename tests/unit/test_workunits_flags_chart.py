"""Work units and manager flags: pure rules (the charts' data: test_chart_data.py)."""

from decimal import Decimal

import pytest

from bot.domain.flags import WeekEvidence, flags_for, may_flag, spike, unexplained_spend
from bot.domain.periods import IsoWeek, weeks_ending
from bot.domain.workunits import work_units_for

D = Decimal


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        (None, "1"),
        ("0", "1"),
        ("1", "1"),
        ("2", "1.5"),
        ("4", "1.5"),
        ("8", "2"),
        ("20", "3.5"),
        ("40", "6"),
        ("99", "6"),
    ],
)
def test_work_units_from_hours_saved(hours, expected):
    assert work_units_for(D(hours) if hours is not None else None) == (D(expected), "default")


def test_an_estimate_beats_hours_and_an_override_beats_both():
    assert work_units_for(D(8), estimate=D("4.5")) == (D("4.50"), "estimate")
    assert work_units_for(D(8), estimate=D("4.5"), override=D(2)) == (D("2.00"), "override")
    assert work_units_for(None, override=D(0)) == (D("0.00"), "override")


def test_negative_hours_are_refused():
    with pytest.raises(ValueError, match="hours saved per week must be a number of at least 0"):
        work_units_for(D(-1))


W47 = IsoWeek(2026, 47)


def evidence(spends, artifacts=(), reasons=()):
    weeks = weeks_ending(W47, len(spends))
    return [
        WeekEvidence(w, D(s), 1 if i in artifacts else 0, i in reasons)
        for i, (w, s) in enumerate(zip(weeks, spends, strict=True))
    ]


def test_unexplained_spend_needs_n_weeks_in_a_row_at_the_threshold():
    flag = unexplained_spend(evidence(["10", "50", "60", "75"]), threshold_usd=D(50), weeks_in_a_row=3)
    assert flag is not None and flag.kind == "unexplained_spend" and flag.week == W47
    assert flag.detail == (
        "$185.00 over 3 weeks (2026-W45–2026-W47), each at least $50.00, with no artifact and no reason given"
    )
    assert unexplained_spend(evidence(["50", "49.99", "60"]), threshold_usd=D(50), weeks_in_a_row=3) is None


def test_an_artifact_or_a_nothing_to_show_reason_explains_the_spend():
    assert unexplained_spend(evidence(["60", "60", "60"], artifacts={1}), threshold_usd=D(50), weeks_in_a_row=3) is None
    assert unexplained_spend(evidence(["60", "60", "60"], reasons={2}), threshold_usd=D(50), weeks_in_a_row=3) is None
    # An explanation before the run does not count.
    assert unexplained_spend(evidence(["60", "60", "60", "60"], artifacts={0}), threshold_usd=D(50), weeks_in_a_row=3)


def test_a_spike_is_above_three_times_the_trailing_median():
    flag = spike(W47, D("31"), [D(10), D(0), D(10), D(12)])
    assert flag is not None and flag.kind == "spike"
    assert flag.detail == "$31.00 in 2026-W47, 3.1× the median of the 4 weeks before ($10.00)"
    assert spike(W47, D("30"), [D(10), D(10), D(10), D(10)]) is None  # exactly 3× is not above
    assert spike(W47, D("500"), [D(0), D(0), D(0), D(5)]) is None  # no baseline: a new user, not a spike


def test_flags_for_applies_both_rules():
    flags = flags_for(evidence(["10", "10", "60", "60", "200"]), threshold_usd=D(50), unexplained_weeks=3)
    assert [f.kind for f in flags] == ["unexplained_spend", "spike"]  # 60,60,200 ≥ $50; 200 > 3 × median 35
    flags = flags_for(evidence(["50", "50", "50", "60", "60"]), threshold_usd=D(50), unexplained_weeks=3)
    assert [f.kind for f in flags] == ["unexplained_spend"]
    flags = flags_for(evidence(["10", "10", "10", "10", "200"]), threshold_usd=D(50), unexplained_weeks=3)
    assert [f.kind for f in flags] == ["spike"]


@pytest.mark.parametrize("threshold", ["0", "0.01", "50"])
def test_a_person_may_flag_says_no_only_where_no_rule_flags(threshold):
    """may_flag lets a team report skip people without building their weeks: it may never skip a flag."""
    import random

    rng = random.Random(int(D(threshold) * 100))
    skipped = flagged = 0
    for _ in range(3000):
        spends = [str(rng.choice([0, 0, D("0.01"), 10, 49, 50, 200])) for _ in range(5)]
        weeks = evidence(spends, artifacts={i for i in range(5) if rng.random() < 0.2})
        found = flags_for(weeks, threshold_usd=D(threshold), unexplained_weeks=3)
        flagged += bool(found)
        if not may_flag(weeks[-1].spend_usd, threshold_usd=D(threshold)):
            skipped += 1
            assert found == []
    assert flagged
    # A threshold of $0 is met by a week without spend: nobody may be skipped then.
    assert skipped == 0 if D(threshold) <= 0 else skipped > 0
