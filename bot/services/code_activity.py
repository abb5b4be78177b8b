"""Coding agents' output signals per person and week (Claude Code analytics, Cursor's daily usage data,
GitHub Copilot's users report).

For `/buildboard me`, team stats and App Home: commits, pull requests, accepted lines and requests shown
beside spend. Aggregated in the database.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import lru_cache

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.db.models import CodeActivityDaily
from bot.db.query_types import AnySelect
from bot.db.usage_weekly import week_start_of
from bot.db.value_sets import PEOPLE, of_members
from bot.domain.periods import IsoWeek
from bot.domain.reports import CodeActivity

CURSOR = "cursor"  # code_activity_daily.provider of Cursor's daily usage data
COPILOT = "copilot"  # code_activity_daily.provider of GitHub Copilot's users report


def code_activity_by_week(
    session: Session, weeks: Sequence[IsoWeek], person_ids: Collection[int]
) -> dict[IsoWeek, dict[int, CodeActivity]]:
    """Coding-agent activity of `person_ids` in each of `weeks`, by week and person id, in one statement (one
    round trip for `/buildboard me`'s two weeks, App Home's five). People without activity are left out."""
    found: dict[IsoWeek, dict[int, CodeActivity]] = {week: {} for week in weeks}
    statement = _code_activity_statement(tuple(sorted(found)))
    for week_start, pid, *figures in session.execute(statement, {PEOPLE.name: sorted(set(person_ids))}):
        week = IsoWeek.containing(week_start)
        if week in found:  # not a week between two asked for
            found[week][pid] = CodeActivity(pid, *(int(value or 0) for value in figures))
    return found


@lru_cache(maxsize=16)
def _code_activity_statement(weeks: tuple[IsoWeek, ...]) -> AnySelect:
    """Each person's sums per week (its Monday first) from the first week's Monday to the last week's Sunday, for
    the people bound as PEOPLE when it runs: built once per weeks (building its thirteen sums was a tenth of a
    `/buildboard me` answer)."""
    week_start = week_start_of(CodeActivityDaily.day)
    return (
        select(
            week_start,
            CodeActivityDaily.person_id,
            func.sum(CodeActivityDaily.sessions),
            func.sum(CodeActivityDaily.lines_added),
            func.sum(CodeActivityDaily.lines_removed),
            func.sum(CodeActivityDaily.commits),
            func.sum(CodeActivityDaily.pull_requests),
            func.count(func.distinct(CodeActivityDaily.day)),
            func.sum(case((CodeActivityDaily.provider == CURSOR, CodeActivityDaily.lines_added), else_=0)),
            func.sum(case((CodeActivityDaily.provider == CURSOR, CodeActivityDaily.agent_requests), else_=0)),
            func.sum(case((CodeActivityDaily.provider == CURSOR, CodeActivityDaily.composer_requests), else_=0)),
            func.sum(case((CodeActivityDaily.provider == CURSOR, CodeActivityDaily.chat_requests), else_=0)),
            func.sum(case((CodeActivityDaily.provider == COPILOT, CodeActivityDaily.lines_added), else_=0)),
            func.sum(
                case(
                    (
                        CodeActivityDaily.provider == COPILOT,
                        CodeActivityDaily.agent_requests + CodeActivityDaily.chat_requests,
                    ),
                    else_=0,
                )
            ),
        )
        .where(
            CodeActivityDaily.day >= weeks[0].start,
            CodeActivityDaily.day <= weeks[-1].end,
            *of_members(CodeActivityDaily.person_id, PEOPLE),
        )
        .group_by(week_start, CodeActivityDaily.person_id)
    )
