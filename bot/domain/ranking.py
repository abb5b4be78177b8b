"""Who ranks where: output first (work units), spend as the tie-breaker, never the other way round."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from decimal import Decimal
from operator import attrgetter
from typing import Any, Literal, TypeVar

from bot.domain.stats import PersonWeek

RankBy = Literal["work_units", "tokens", "spend"]
RankKey = tuple[Decimal | int, ...]  # compared element by element: smaller is better
_NO_COST = Decimal("Infinity")
# rank_key's first figure (negated there): whoever has the most of it leads.
_LEADING_FIGURE: dict[str, Callable[[Any], Any]] = {
    "work_units": attrgetter("work_units"),
    "tokens": attrgetter("tokens"),
    "spend": attrgetter("spend_usd"),
}
Row = TypeVar("Row")


def rank_key(week: PersonWeek, rank_by: RankBy) -> RankKey:
    """Sort key: best first. Ties on work units go to the lower cost per work unit."""
    if rank_by == "tokens":
        return (-week.tokens, -week.work_units, week.person_id)
    if rank_by == "spend":
        return (-week.spend_usd, -week.work_units, week.person_id)
    cost = week.cost_per_work_unit
    return (-week.work_units, cost if cost is not None else _NO_COST, -week.tokens, week.person_id)


def rank(weeks: Iterable[PersonWeek], rank_by: RankBy = "work_units") -> list[PersonWeek]:
    """People with any activity, best first."""
    active = [w for w in weeks if w.tokens > 0 or w.artifacts > 0]
    return sorted(active, key=lambda w: rank_key(w, rank_by))


def best(weeks: Iterable[PersonWeek], count: int, rank_by: RankBy = "work_units") -> list[PersonWeek]:
    """The first `count` of `weeks` in rank order, without sorting them all.

    Unlike rank(), nobody given is left out: the caller chooses who is ranked. The public board ranks everyone
    with counted output, including a week whose output is only verified evidence or endorsements (no tokens,
    no artifact shared), as /buildboard me and the leaderboard count them.
    """
    return best_rows(weeks, count, rank_by, lambda week: week)


def best_rows(rows: Iterable[Row], count: int, rank_by: RankBy, stats: Callable[[Row], PersonWeek]) -> list[Row]:
    """The first `count` of `rows` in rank order, `stats` giving each row's figures (a row has the PersonWeek's
    `tokens`, `spend_usd` and `work_units`, as a team report's lines have them).

    Only rows whose leading figure reaches the `count`-th largest can be among the first `count`: rank_key (and
    a PersonWeek) is built for those, not for the 20,000 people with output in a large group's 12 weeks.
    """
    rows = list(rows)
    if 0 < count < len(rows):
        lead = _LEADING_FIGURE[rank_by]
        cutoff = heapq.nlargest(count, map(lead, rows))[-1]
        rows = [row for row in rows if lead(row) >= cutoff]
    return heapq.nsmallest(count, rows, key=lambda row: rank_key(stats(row), rank_by))


def ranks_by_spend(weeks: Iterable[PersonWeek]) -> dict[int, int]:
    """1-based position of each person by spend (for "you were #12 of 340 by spend")."""
    ordered = sorted((w for w in weeks if w.spend_usd > 0), key=lambda w: (-w.spend_usd, w.person_id))
    return {w.person_id: i for i, w in enumerate(ordered, start=1)}
