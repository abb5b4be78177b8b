"""Work units earned beyond shared artifacts, per person and week: verified pull requests and endorsements.

The SQL of the two terms bot/db/output.py adds to counted work units (the rules are in bot/domain/evidence.py).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, case, func, literal, or_, select, union_all

from bot.db.models import CodeActivityDaily, Endorsement, VerifiedPullRequest
from bot.db.query_types import WORK_UNITS, AnySelect
from bot.db.usage_weekly import week_start_of
from bot.db.value_sets import PeopleParameter, in_weeks, of_members
from bot.domain.evidence import DEFAULT_UNITS_PER_PR, MAX_COUNTED_PRS, MAX_ENDORSEMENT_UNITS, UNITS_PER_ENDORSER
from bot.domain.periods import IsoWeek

# Table columns, not mapped attributes: parts of larger statements, compiled as plain SQL (see bot/db/output.py).
VERIFIED_PRS = VerifiedPullRequest.__table__
CODE_ACTIVITY = CodeActivityDaily.__table__
ENDORSEMENTS = Endorsement.__table__


def _greater(a: Any, b: Any) -> Any:
    return case((a > b, a), else_=b)


def _day_ranges(weeks: Sequence[IsoWeek]) -> list[tuple[date, date]]:
    """The weeks' days as ranges (first, last), one per run of consecutive weeks."""
    ranges: list[tuple[date, date]] = []
    for week in sorted(set(weeks), key=lambda w: w.start):
        if ranges and ranges[-1][1] + timedelta(days=1) == week.start:
            ranges[-1] = (ranges[-1][0], week.end)
        else:
            ranges.append((week.start, week.end))
    return ranges


def verified_pr_units(
    weeks: Sequence[IsoWeek],
    members: Collection[int] | AnySelect | PeopleParameter | None = None,
    *,
    units_per_pr: Decimal = DEFAULT_UNITS_PER_PR,
) -> AnySelect:
    """Per person and week: person_id, week_start, work_units of counted PRs (GitHub or Claude Code), capped."""
    starts = [week.start for week in weeks]

    github = (
        select(
            VERIFIED_PRS.c.person_id.label("person_id"),
            VERIFIED_PRS.c.week_start.label("week_start"),
            func.count().label("github_prs"),
            literal(0, Integer).label("agent_prs"),
        )
        .where(
            VERIFIED_PRS.c.counted.is_(True),
            VERIFIED_PRS.c.person_id.is_not(None),
            in_weeks(VERIFIED_PRS.c.week_start, starts),
            *of_members(VERIFIED_PRS.c.person_id, members),
        )
        .group_by(VERIFIED_PRS.c.person_id, VERIFIED_PRS.c.week_start)
    )
    # Claude Code reports PRs per UTC day, as the code-activity figures beside spend read them: one SELECT over the
    # weeks' days, each day counted in its ISO week (a SELECT per week made the statement grow with the weeks, and
    # PostgreSQL spent longer planning it than running it).
    week_of_day = week_start_of(CODE_ACTIVITY.c.day)
    agent = (
        select(
            CODE_ACTIVITY.c.person_id.label("person_id"),
            week_of_day.label("week_start"),
            literal(0, Integer).label("github_prs"),
            func.sum(CODE_ACTIVITY.c.pull_requests).label("agent_prs"),
        )
        .where(
            or_(*(CODE_ACTIVITY.c.day.between(first, last) for first, last in _day_ranges(weeks))),
            CODE_ACTIVITY.c.pull_requests > 0,
            *of_members(CODE_ACTIVITY.c.person_id, members),
        )
        .group_by(CODE_ACTIVITY.c.person_id, week_of_day)
    )
    both = union_all(github, agent).subquery("pr_counts")
    per_week = (
        select(
            both.c.person_id,
            both.c.week_start,
            func.max(both.c.github_prs).label("github_prs"),
            func.max(both.c.agent_prs).label("agent_prs"),
        )
        .group_by(both.c.person_id, both.c.week_start)
        .subquery("pr_weeks")
    )
    prs = _greater(per_week.c.github_prs, per_week.c.agent_prs)
    capped = case((prs > MAX_COUNTED_PRS, MAX_COUNTED_PRS), else_=prs)
    return select(
        per_week.c.person_id,
        per_week.c.week_start,
        func.cast(capped * literal(units_per_pr, WORK_UNITS), WORK_UNITS).label("work_units"),
    )


def endorsement_units(
    weeks: Sequence[IsoWeek], members: Collection[int] | AnySelect | PeopleParameter | None = None
) -> AnySelect:
    """Per author and week: person_id, week_start, work_units from distinct endorsers, capped."""
    where = [
        in_weeks(ENDORSEMENTS.c.week_start, [week.start for week in weeks]),
        *of_members(ENDORSEMENTS.c.author_id, members),
    ]
    earned = func.count(func.distinct(ENDORSEMENTS.c.endorser_id)) * literal(UNITS_PER_ENDORSER, WORK_UNITS)
    capped = case((earned > MAX_ENDORSEMENT_UNITS, literal(MAX_ENDORSEMENT_UNITS, WORK_UNITS)), else_=earned)
    return (
        select(
            ENDORSEMENTS.c.author_id.label("person_id"),
            ENDORSEMENTS.c.week_start.label("week_start"),
            func.cast(capped, WORK_UNITS).label("work_units"),
        )
        .where(*where)
        .group_by(ENDORSEMENTS.c.author_id, ENDORSEMENTS.c.week_start)
    )
