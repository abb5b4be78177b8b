"""The charts' data, apart from drawing: which weeks, in which order, what is plotted, and the same in words."""

from decimal import Decimal

from bot.domain.chart import (
    Chart,
    ChartKind,
    ChartWeek,
    WeekFigures,
    chart_alt_text,
    chart_fingerprint,
    chart_weeks,
    digest_chart,
    personal_chart,
    team_chart,
)
from bot.domain.periods import IsoWeek, weeks_ending

D = Decimal
W47 = IsoWeek.parse("2026-W47")
WINDOW = weeks_ending(W47, 8)  # W40..W47


def test_weeks_come_oldest_first_and_weeks_without_data_are_left_out_not_drawn_as_zero():
    figures = {
        WINDOW[7]: WeekFigures(D("120.5"), 4, D("6")),
        WINDOW[0]: WeekFigures(D("10"), 0, D(0)),
        WINDOW[3]: WeekFigures(),  # a row with nothing in it: no data either
        WINDOW[5]: WeekFigures(D(0), 1, D("1.5")),  # shared, spent nothing: kept
    }
    weeks = chart_weeks(list(reversed(WINDOW)), figures, current=W47)
    assert [w.label for w in weeks] == ["W40", "W45", "W47"]
    assert [w.spend_usd for w in weeks] == [D("10"), D(0), D("120.5")]
    assert [w.work_units for w in weeks] == [D(0), D("1.5"), D("6")]
    assert [w.current for w in weeks] == [False, False, True]


def test_a_week_outside_the_window_is_not_plotted():
    figures = {W47.next(): WeekFigures(D(5), 1, D(1)), W47: WeekFigures(D(7), 0, D(0))}
    assert [w.label for w in chart_weeks(WINDOW, figures)] == ["W47"]


def test_cost_per_work_unit_and_evidence_ratio():
    [week] = chart_weeks([W47], {W47: WeekFigures(D("100"), 2, D("8"), D(0), 3, D("25"))})
    assert week.cost_per_work_unit == D("12.50")
    assert week.evidence_ratio == D("0.250")
    assert week.active_people == 3
    assert ChartWeek("W47", D("100"), 0).cost_per_work_unit is None  # no work units: no cost per unit


def test_verified_work_units_are_optional_and_never_exceed_the_total():
    plain = digest_chart(chart_weeks([W47], {W47: WeekFigures(D(50), 1, D(2))}), W47)
    assert not plain.shows_verified and plain.weeks[0].verified_work_units == 0
    verified = digest_chart(chart_weeks([W47], {W47: WeekFigures(D(50), 1, D(2), D(5))}), W47)
    assert verified.shows_verified and verified.weeks[0].verified_work_units == D(2)


def test_what_each_chart_plots():
    weeks = chart_weeks(WINDOW, {W47: WeekFigures(D(50), 1, D(2), D(0), 2, D(10))}, current=W47)
    digest, personal, team = digest_chart(weeks, W47), personal_chart(weeks, W47), team_chart(weeks, "Team Core", W47)
    assert (digest.kind, digest.shows_cost_per_work_unit, digest.shows_people) == (ChartKind.DIGEST, True, False)
    assert (personal.shows_cost_per_work_unit, personal.shows_people) == (False, False)
    assert (team.shows_cost_per_work_unit, team.shows_people) == (False, True)
    assert team.title == "Team Core: W47 2026"


def test_the_alt_text_says_the_numbers_the_picture_shows():
    figures = {
        WINDOW[6]: WeekFigures(D("40"), 1, D("1")),
        WINDOW[7]: WeekFigures(D("144.75"), 4, D("6.5")),
    }
    chart = digest_chart(chart_weeks(WINDOW, figures, current=W47), W47)
    assert chart.title == "AI spend and work units, W46–W47 2026"
    assert chart_alt_text(chart) == (
        "AI spend and work units, W46–W47 2026. "
        "W46: $40.00 spend, 1 work unit, $40.00 per work unit; "
        "W47 (this digest): $144.75 spend, 6.5 work units, $22.27 per work unit."
    )
    team = team_chart(
        chart_weeks([W47], {W47: WeekFigures(D(80), 1, D(2), D(1), 4, D(20))}, current=W47), "Team Core", W47
    )
    assert chart_alt_text(team) == (
        "Team Core: W47 2026. W47 (last week): $80.00 spend, 2 work units (1 verified), 4 active people, "
        "evidence ratio 25%."
    )
    assert chart_alt_text(personal_chart([], W47)) == "Your AI spend and work units, W47: no data in these weeks."


def test_the_fingerprint_changes_with_any_number_drawn():
    one = personal_chart(chart_weeks([W47], {W47: WeekFigures(D(10), 1, D(1))}, current=W47), W47)
    same = personal_chart(chart_weeks([W47], {W47: WeekFigures(D(10), 1, D(1))}, current=W47), W47)
    more = personal_chart(chart_weeks([W47], {W47: WeekFigures(D("10.01"), 1, D(1))}, current=W47), W47)
    assert chart_fingerprint(one) == chart_fingerprint(same) != chart_fingerprint(more)
    assert chart_fingerprint(Chart(ChartKind.PERSONAL, "x")) != chart_fingerprint(Chart(ChartKind.TEAM, "x"))
