"""Flags for managers (never public): spend nobody explained, and sudden spikes.

Pure rules over a person's recent weeks; bot/services/flags.py fetches those weeks in SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from statistics import median
from typing import Literal, NamedTuple

from bot.domain.money import format_usd
from bot.domain.periods import IsoWeek

FlagKind = Literal["unexplained_spend", "spike", "idle_seat"]
SPIKE_FACTOR = Decimal(3)
SPIKE_TRAILING_WEEKS = 4


@dataclass(frozen=True)
class Flag:
    """Something a manager should look at, with the numbers behind it."""

    kind: FlagKind
    week: IsoWeek
    detail: str


class WeekEvidence(NamedTuple):
    """One person's week as the flag rules see it (a NamedTuple: a team report builds one per person-week)."""

    week: IsoWeek
    spend_usd: Decimal
    artifacts: int = 0
    nothing_to_show: bool = False  # answered "nothing to show yet" with a reason

    @property
    def explained(self) -> bool:
        return self.artifacts > 0 or self.nothing_to_show


def unexplained_spend(weeks: Sequence[WeekEvidence], *, threshold_usd: Decimal, weeks_in_a_row: int) -> Flag | None:
    """Spend at or above the threshold for `weeks_in_a_row` weeks ending with the last one, none explained.

    `weeks` are consecutive, oldest first; a missing week counts as no spend.
    """
    if weeks_in_a_row < 1 or len(weeks) < weeks_in_a_row:
        return None
    recent = list(weeks)[-weeks_in_a_row:]
    if any(w.spend_usd < threshold_usd or w.explained for w in recent):
        return None
    total = sum((w.spend_usd for w in recent), Decimal(0))
    return Flag(
        "unexplained_spend",
        recent[-1].week,
        f"{format_usd(total)} over {weeks_in_a_row} weeks ({recent[0].week}–{recent[-1].week}), "
        f"each at least {format_usd(threshold_usd)}, with no artifact and no reason given",
    )


def spike(
    week: IsoWeek, spend_usd: Decimal, trailing_spend_usd: Sequence[Decimal], *, factor: Decimal = SPIKE_FACTOR
) -> Flag | None:
    """This week's spend above `factor` × the median of the trailing weeks (missing weeks are $0).

    A median of zero (a new user) is no baseline to spike from, so it never flags.
    """
    if not trailing_spend_usd:
        return None
    baseline = Decimal(median([Decimal(s) for s in trailing_spend_usd]))  # median sorts them itself
    if baseline <= 0 or spend_usd <= factor * baseline:
        return None
    return Flag(
        "spike",
        week,
        f"{format_usd(spend_usd)} in {week}, {(spend_usd / baseline).quantize(Decimal('0.1'))}× the median of the "
        f"{len(trailing_spend_usd)} weeks before ({format_usd(baseline)})",
    )


def may_flag(week_spend_usd: Decimal, *, threshold_usd: Decimal) -> bool:
    """Whether either rule can flag a person who spent this in the week in question.

    Unexplained spend needs at least the threshold that week, a spike more than a positive baseline: a
    caller judging thousands of people can skip the weeks of the others without building them.
    """
    return week_spend_usd > 0 or week_spend_usd >= threshold_usd


def flags_for(
    weeks: Sequence[WeekEvidence], *, threshold_usd: Decimal, unexplained_weeks: int, factor: Decimal = SPIKE_FACTOR
) -> list[Flag]:
    """Both rules for one person; `weeks` consecutive, oldest first, ending with the week in question."""
    found: list[Flag] = []
    unexplained = unexplained_spend(weeks, threshold_usd=threshold_usd, weeks_in_a_row=unexplained_weeks)
    if unexplained:
        found.append(unexplained)
    if len(weeks) >= 2:
        trailing = [w.spend_usd for w in weeks[-1 - SPIKE_TRAILING_WEEKS : -1]]
        spiked = spike(weeks[-1].week, weeks[-1].spend_usd, trailing, factor=factor)
        if spiked:
            found.append(spiked)
    return found


def idle_seat(
    week: IsoWeek, plan_label: str, monthly_usd: Decimal | None, last_active_day: date | None, idle_days: int
) -> Flag:
    """A seat its holder has not used for `idle_days` (judged on the week's last day)."""
    price = f"{format_usd(monthly_usd)} a month" if monthly_usd is not None else "no price known"
    last = f"last active {last_active_day}" if last_active_day else "never seen active"
    return Flag("idle_seat", week, f"{plan_label} seat ({price}) unused for {idle_days} days, {last}")
