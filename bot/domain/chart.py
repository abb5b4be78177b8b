"""What the charts show, as plain values: which weeks, in which order, which numbers, and the same in words.

Drawing is elsewhere (bot/charts): everything a chart says is decided here, so it is unit-tested
without a plotting library, and its alt text cannot disagree with its picture.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from bot.domain.money import format_usd
from bot.domain.periods import IsoWeek

DIGEST_WEEKS = 8
PERSONAL_WEEKS = 8
TEAM_WEEKS = 12
# Slack keeps alt text short (an image block's alt_text: 2,000 characters); twelve weeks fit well below.
ALT_TEXT_LIMIT = 2000


class ChartKind(StrEnum):
    DIGEST = "digest"  # the digest's thread: spend, work units (verified part apart), cost per work unit
    PERSONAL = "personal"  # one person's App Home: spend and work units
    TEAM = "team"  # a manager's team: spend, work units, active people, evidence ratio


@dataclass(frozen=True)
class WeekFigures:
    """A week's numbers as the database gives them, before they become a chart week."""

    spend_usd: Decimal = Decimal(0)
    artifacts: int = 0
    work_units: Decimal = Decimal(0)
    verified_work_units: Decimal = Decimal(0)  # the part backed by verified evidence (none until that exists)
    active_people: int | None = None
    evidenced_spend_usd: Decimal | None = None  # spend of people who shared something that week

    @property
    def has_data(self) -> bool:
        return bool(self.spend_usd or self.artifacts or self.work_units or self.active_people)


@dataclass(frozen=True)
class ChartWeek:
    """One week on a chart (label like "W47"); `current` marks the week the chart is about."""

    label: str
    spend_usd: Decimal
    artifacts: int = 0
    work_units: Decimal = Decimal(0)
    verified_work_units: Decimal = Decimal(0)
    active_people: int | None = None
    evidence_ratio: Decimal | None = None  # share of spend by people who shared (0..1)
    current: bool = False

    @property
    def cost_per_work_unit(self) -> Decimal | None:
        if self.work_units <= 0:
            return None
        return (Decimal(self.spend_usd) / Decimal(self.work_units)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Chart:
    """A chart to draw: its kind, its title and its weeks, oldest first."""

    kind: ChartKind
    title: str
    weeks: tuple[ChartWeek, ...] = field(default_factory=tuple)
    current_note: str = "this week"  # what the highlighted week is, under its label

    @property
    def shows_verified(self) -> bool:
        """The verified part of work units is drawn apart only once some week has any."""
        return any(w.verified_work_units > 0 for w in self.weeks)

    @property
    def shows_cost_per_work_unit(self) -> bool:
        return self.kind is ChartKind.DIGEST

    @property
    def shows_people(self) -> bool:
        return self.kind is ChartKind.TEAM


def week_label(week: IsoWeek) -> str:
    return f"W{week.week:02d}"


def chart_weeks(
    window: Sequence[IsoWeek], figures: Mapping[IsoWeek, WeekFigures], current: IsoWeek | None = None
) -> list[ChartWeek]:
    """The window's weeks that have data, oldest first; a week without data is left out, never drawn as $0."""
    weeks = []
    for week in sorted(window, key=lambda w: w.start):
        found = figures.get(week)
        if found is None or not found.has_data:
            continue
        ratio = None
        if found.evidenced_spend_usd is not None and found.spend_usd > 0:
            ratio = (Decimal(found.evidenced_spend_usd) / Decimal(found.spend_usd)).quantize(Decimal("0.001"))
        weeks.append(
            ChartWeek(
                week_label(week),
                Decimal(found.spend_usd),
                int(found.artifacts),
                Decimal(found.work_units),
                min(Decimal(found.verified_work_units), Decimal(found.work_units)),
                found.active_people,
                ratio,
                week == current,
            )
        )
    return weeks


def _span(weeks: Sequence[ChartWeek], fallback: str) -> str:
    return f"{weeks[0].label}–{weeks[-1].label}" if len(weeks) > 1 else (weeks[0].label if weeks else fallback)


def digest_chart(weeks: Sequence[ChartWeek], week: IsoWeek) -> Chart:
    """The digest's chart of the weeks up to `week` (its thread reply)."""
    title = f"AI spend and work units, {_span(weeks, week_label(week))} {week.year}"
    return Chart(ChartKind.DIGEST, title, tuple(weeks), "this digest")


def personal_chart(weeks: Sequence[ChartWeek], week: IsoWeek) -> Chart:
    """A person's own last weeks (App Home)."""
    title = f"Your AI spend and work units, {_span(weeks, week_label(week))}"
    return Chart(ChartKind.PERSONAL, title, tuple(weeks), "so far")


def team_chart(weeks: Sequence[ChartWeek], group_label: str, week: IsoWeek) -> Chart:
    """A manager's team over the last weeks."""
    title = f"{group_label}: {_span(weeks, week_label(week))} {week.year}"
    return Chart(ChartKind.TEAM, title, tuple(weeks), "last week")


def format_units(value: Decimal) -> str:
    """Work units with at most one decimal: 12, 12.5."""
    rounded = Decimal(value).quantize(Decimal("0.1"))
    return f"{rounded.normalize():f}" if rounded else "0"


def _week_words(chart: Chart, week: ChartWeek) -> str:
    units = format_units(week.work_units)
    parts = [f"{format_usd(week.spend_usd)} spend", f"{units} work unit{'' if units == '1' else 's'}"]
    if chart.shows_verified:
        parts[-1] += f" ({format_units(week.verified_work_units)} verified)"
    if chart.shows_cost_per_work_unit:
        cost = week.cost_per_work_unit
        parts.append(f"{format_usd(cost)} per work unit" if cost is not None else "no cost per work unit")
    if chart.shows_people:
        people = week.active_people or 0
        parts.append(f"{people} active {'person' if people == 1 else 'people'}")
        ratio = week.evidence_ratio
        parts.append(f"evidence ratio {ratio * 100:.0f}%" if ratio is not None else "no evidence ratio")
    label = week.label + (f" ({chart.current_note})" if week.current else "")
    return f"{label}: " + ", ".join(parts)


def chart_alt_text(chart: Chart) -> str:
    """The chart's numbers in words: the upload's alt text and caption, the image block's alt_text."""
    if not chart.weeks:
        return f"{chart.title}: no data in these weeks."
    text = f"{chart.title}. " + "; ".join(_week_words(chart, w) for w in chart.weeks) + "."
    if len(text) > ALT_TEXT_LIMIT:
        text = text[: ALT_TEXT_LIMIT - 1] + "…"
    return text


def chart_fingerprint(chart: Chart) -> str:
    """Changes whenever anything drawn changes: a cached picture with the same fingerprint can be reused."""
    return hashlib.sha256(repr(chart).encode()).hexdigest()[:32]
