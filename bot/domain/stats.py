"""The numbers of a person's week and the organisation's week (plain values, no SQL)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple


class PersonWeek(NamedTuple):
    """One person's week: what they used and what they showed for it.

    Immutable like the other value types here, but a NamedTuple rather than a frozen dataclass: the
    digest builds one per active person (85,000 in the largest organisation) and a frozen
    dataclass's __init__ is six times slower to call.
    """

    person_id: int
    tokens: int
    spend_usd: Decimal
    active_days: int
    artifacts: int  # counted artifacts (at most BUILDBOARD_MAX_COUNTED_ARTIFACTS a week)
    work_units: Decimal  # counted work units (bot/db/output.py)
    longest_streak: int = 0  # consecutive active days within the week

    @property
    def cost_per_work_unit(self) -> Decimal | None:
        return cost_per(self.spend_usd, self.work_units)

    @property
    def cost_per_artifact(self) -> Decimal | None:
        return cost_per(self.spend_usd, self.artifacts)


def empty_week(person_id: int) -> PersonWeek:
    """A week with nothing in it: the figures of someone with no usage and no output."""
    return PersonWeek(person_id, 0, Decimal(0), 0, 0, Decimal(0))


def cost_per(spend_usd: Decimal, output: Decimal | int) -> Decimal | None:
    """Spend per work unit or per artifact, to the cent (None when there was no output to divide by)."""
    return (spend_usd / output).quantize(Decimal("0.01")) if output > 0 else None


@dataclass(frozen=True)
class OrgWeek:
    """The organisation's totals for a week."""

    tokens: int
    spend_usd: Decimal
    active_people: int
    artifacts: int
    work_units: Decimal
    people_with_artifacts_spend_usd: Decimal  # spend of people with counted output that week (work units > 0)
    people_with_output: int = 0  # people with counted output (shared, verified or endorsed) that week
    verified_spend_usd: Decimal = Decimal(0)  # spend of people with verified evidence that week
    counted_artifacts: int = 0  # the artifacts that count (at most the cap a person-week); `artifacts` is all shared
    verified_work_units: Decimal = Decimal(0)  # the part of `work_units` backed by verified evidence

    @property
    def evidence_ratio(self) -> Decimal | None:
        """Share of the week's spend by people with counted output (0..1)."""
        if self.spend_usd <= 0:
            return None
        return (self.people_with_artifacts_spend_usd / self.spend_usd).quantize(Decimal("0.001"))

    @property
    def verified_ratio(self) -> Decimal | None:
        """The part of the evidence ratio backed by verified evidence: share of spend by people with some (0..1)."""
        if self.spend_usd <= 0:
            return None
        return (self.verified_spend_usd / self.spend_usd).quantize(Decimal("0.001"))


def change_ratio(current: Decimal | int, previous: Decimal | int) -> Decimal | None:
    """Relative change from `previous` (None when there is nothing to compare with)."""
    if not previous:
        return None
    return ((Decimal(current) - Decimal(previous)) / Decimal(previous)).quantize(Decimal("0.001"))
