"""Small-group suppression: team figures shown to outsiders never single anyone out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import SupportsRichComparison

OTHER_TEAMS = "Other teams"


@dataclass(frozen=True)
class TeamFigure:
    """A team's numbers for a period, as outsiders may see them."""

    team: str
    active_people: int
    tokens: int = 0
    spend_usd: Decimal = Decimal(0)
    artifacts: int = 0
    work_units: Decimal = Decimal(0)
    merged_teams: tuple[str, ...] = field(default=())


def _add(a: TeamFigure, b: TeamFigure) -> TeamFigure:
    return replace(
        a,
        active_people=a.active_people + b.active_people,
        tokens=a.tokens + b.tokens,
        spend_usd=a.spend_usd + b.spend_usd,
        artifacts=a.artifacts + b.artifacts,
        work_units=a.work_units + b.work_units,
        merged_teams=a.merged_teams + (b.team,),
    )


def merge_small_groups(
    figures: Sequence[TeamFigure], min_size: int, *, order: Callable[[TeamFigure], SupportsRichComparison] | None = None
) -> list[TeamFigure]:
    """Teams with fewer than `min_size` active people are merged into one "Other teams" row.

    If that row is itself smaller than `min_size`, the smallest named team is folded into it too,
    so no row (named or merged) ever describes fewer than `min_size` people.
    """
    big = [f for f in figures if f.active_people >= min_size]
    small = [f for f in figures if f.active_people < min_size]
    if not small:
        rows = list(big)
    else:
        other = TeamFigure(OTHER_TEAMS, 0)
        for figure in small:
            other = _add(other, figure)
        big.sort(key=lambda f: (f.active_people, f.team))
        while other.active_people < min_size and big:
            other = _add(other, big.pop(0))
        rows = big + ([other] if other.active_people >= min_size else [])
    rows.sort(key=order or (lambda f: (f.team == OTHER_TEAMS, -f.work_units, -f.active_people, f.team)))
    return rows
