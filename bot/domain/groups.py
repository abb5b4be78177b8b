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
    # Active people of the team named with their own figures in the same post (the digest's board, titles,
    # highlights): the row's total minus theirs describes the others, so only the others count toward the minimum.
    named_people: int = 0

    @property
    def unnamed_people(self) -> int:
        """Active people the row describes who are not named with figures beside it."""
        return self.active_people - self.named_people


def _add(a: TeamFigure, b: TeamFigure) -> TeamFigure:
    return replace(
        a,
        active_people=a.active_people + b.active_people,
        tokens=a.tokens + b.tokens,
        spend_usd=a.spend_usd + b.spend_usd,
        artifacts=a.artifacts + b.artifacts,
        work_units=a.work_units + b.work_units,
        merged_teams=a.merged_teams + (b.team,),
        named_people=a.named_people + b.named_people,
    )


def _combined(team: str, figures: Sequence[TeamFigure]) -> TeamFigure:
    return TeamFigure(
        team,
        active_people=sum(f.active_people for f in figures),
        tokens=sum(f.tokens for f in figures),
        spend_usd=sum((f.spend_usd for f in figures), Decimal(0)),
        artifacts=sum(f.artifacts for f in figures),
        work_units=sum((f.work_units for f in figures), Decimal(0)),
        merged_teams=tuple(f.team for f in figures),
        named_people=sum(f.named_people for f in figures),
    )


def merge_small_groups(
    figures: Sequence[TeamFigure], min_size: int, *, order: Callable[[TeamFigure], SupportsRichComparison] | None = None
) -> list[TeamFigure]:
    """Teams with fewer than `min_size` active people not named in the same post are merged into "Other teams".

    If that row is itself too small, the smallest listed team is folded into it too, so no row (listed or
    merged) ever describes fewer than `min_size` people beyond those named beside it: subtracting the named
    people's figures from a row never gives fewer than `min_size` people's total.
    """
    big = [f for f in figures if f.unnamed_people >= min_size]
    small = [f for f in figures if f.unnamed_people < min_size]
    if not small:
        rows = list(big)
    else:
        other = _combined(OTHER_TEAMS, small)  # one pass: adding them one by one copied the names each time
        big.sort(key=lambda f: (f.unnamed_people, f.active_people, f.team))
        while other.unnamed_people < min_size and big:
            other = _add(other, big.pop(0))
        rows = big + ([other] if other.unnamed_people >= min_size else [])
    rows.sort(key=order or (lambda f: (f.team == OTHER_TEAMS, -f.work_units, -f.active_people, f.team)))
    return rows
