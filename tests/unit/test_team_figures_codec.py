"""A kept team report reads back as the report that was kept, every field of it.

The kept report (bot/services/team_figures.py) is written field by field: a field added to
TeamReport (or to the values inside it) that the codec does not carry would come back as its
default, and a kept answer would quietly differ from a fresh one.
"""

from dataclasses import MISSING, fields
from datetime import date
from decimal import Decimal

from bot.domain.flags import Flag
from bot.domain.periods import IsoWeek
from bot.domain.reports import IdleSeat, PeriodTotals, PersonLine, TeamReport
from bot.domain.stats import PersonWeek
from bot.services.team_figures import report_from_json, report_to_json

W46, W47 = IsoWeek(2026, 46), IsoWeek(2026, 47)


def _line(pid: int, name: str | None = "Bea Bell") -> PersonLine:
    return PersonLine(
        pid, name, f"U{pid}", "Platform", False, True, PersonWeek(pid, 1234, Decimal("12.34"), 3, 2, Decimal("1.5"), 4)
    )


def _every_field_set() -> TeamReport:
    return TeamReport(
        group_label="Ada's team (everyone below you)",
        weeks=[W46, W47],
        totals=PeriodTotals(5, 4, 99_000, Decimal("45.67"), 3, Decimal("2.5"), Decimal("40.01")),
        previous=PeriodTotals(5, 3, 88_000, Decimal("30.00"), 1, Decimal("0.5"), Decimal("10.00")),
        top_builders=[_line(7)],
        flagged=[(_line(8, None), [Flag("spike", W47, "3.0× their usual"), Flag("unexplained_spend", W46, "$40")])],
        table=[_line(7), _line(8, None)],
        people_with_numbers=3,
        code_commits=11,
        code_pull_requests=12,
        cursor_requests=13,
        cursor_accepted_lines=14,
        copilot_interactions=15,
        copilot_lines_added=16,
        seat_cost_usd=Decimal("17.50"),
        idle_seats=[
            IdleSeat(9, "Cy", "U9", "cursor", "Cursor Business", Decimal("40"), date(2026, 10, 1)),
            IdleSeat(9, None, None, "copilot", "Copilot Business", None, None),
        ],
        idle_seat_days=21,
        flagged_count=40,
    )


def test_the_example_sets_every_field_of_the_report_away_from_its_default():
    report = _every_field_set()
    for f in fields(TeamReport):
        default = (
            f.default
            if f.default is not MISSING
            else (f.default_factory() if f.default_factory is not MISSING else MISSING)
        )
        assert getattr(report, f.name) != default, f"set {f.name} in this test, and carry it in team_figures"


def test_a_kept_report_reads_back_equal_to_the_one_kept():
    report = _every_field_set()
    assert report_from_json(report_to_json(report)) == report
    assert report_from_json(report_to_json(TeamReport("x", [], report.totals, report.previous, [], [], None, 0))) == (
        TeamReport("x", [], report.totals, report.previous, [], [], None, 0)
    )
