"""What the weekly digest says, as plain values (the Block Kit builder only lays it out)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

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
    # Later sections (titles, highlights, summary, chart…) by name, each of its own type; typed report
    # values (issue 14's domain/reports.py) are to replace this bag.
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TitleHolder:
    person_id: int
    name: str | None
    slack_user_id: str | None
    streak_weeks: int = 1


@dataclass(frozen=True)
class TitleLine:
    """One title in the digest with the people who hold it this week."""

    key: str
    name: str
    emoji: str
    metric: str
    metric_value: Decimal
    holders: list[TitleHolder]
    more_holders: int = 0  # holders not listed by name (a title everyone can win, e.g. First Build)


@dataclass(frozen=True)
class Highlight:
    """A highlighted artifact: author, title, link, work units."""

    artifact_id: int
    author_name: str | None
    author_slack_user_id: str | None
    title: str
    url: str | None
    work_units: Decimal
    kind: str | None = None
