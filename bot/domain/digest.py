"""What the weekly digest says, as plain values (the Block Kit builder only lays it out)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from bot.domain.periods import IsoWeek
from bot.domain.stats import OrgWeek


@dataclass(frozen=True)
class BoardEntry:
    """One line of the public leaderboard."""

    position: int
    person_id: int
    name: str | None
    slack_user_id: str | None
    tokens: int
    spend_usd: Decimal
    artifacts: int
    work_units: Decimal
    cost_per_work_unit: Decimal | None


@dataclass(frozen=True)
class WeeklyDigest:
    week: IsoWeek
    totals: OrgWeek
    previous: OrgWeek
    leaderboard: list[BoardEntry]
    rank_by: str
    extras: dict = field(default_factory=dict)  # later sections (titles, highlights, summary) by name
