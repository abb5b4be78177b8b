"""Coding agents' output signals per person and week (Claude Code analytics, Cursor's daily usage data,
GitHub Copilot's users report).

For `/buildboard me`, team stats and App Home: commits, pull requests, accepted lines and requests shown
beside spend. Aggregated in the database.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.db.models import CodeActivityDaily
from bot.db.query_types import AnySelect
from bot.db.usage_weekly import week_start_of
from bot.db.value_sets import PEOPLE, PeopleParameter, of_members
from bot.domain.periods import IsoWeek
from bot.domain.reports import CodeActivity

CURSOR = "cursor"  # code_activity_daily.provider of Cursor's daily usage data
COPILOT = "copilot"  # code_activity_daily.provider of GitHub Copilot's users report


def code_activity_by_person(
    session: Session, week: IsoWeek, person_ids: Collection[int] | None = None
) -> dict[int, CodeActivity]:
    """Everyone with coding-agent activity in the week (optionally only `person_ids`), by person id."""
    if person_ids is None:
        rows = session.execute(_code_activity_statement((week,), None))
        return {pid: _activity(pid, figures) for _, pid, *figures in rows}
    return code_activity_by_week(session, [week], person_ids)[week]


def code_activity_by_week(
    session: Session, weeks: Sequence[IsoWeek], person_ids: Collection[int]
) -> dict[IsoWeek, dict[int, CodeActivity]]:
    """code_activity_by_person of `person_ids` for each of `weeks`, in one statement (one round trip for
    `/buildboard me`'s two weeks)."""
    by_start = {week.start: week for week in weeks}
    found: dict[IsoWeek, dict[int, CodeActivity]] = {week: {} for week in weeks}
    statement = _code_activity_of_people(tuple(by_start[start] for start in sorted(by_start)))
    for week_start, pid, *figures in session.execute(statement, {PEOPLE.name: sorted(set(person_ids))}):
        week = by_start.get(week_start)
        if week is not None:  # a week between two asked for
            found[week][pid] = _activity(pid, figures)
    return found


def _activity(person_id: int, figures: Sequence[Any]) -> CodeActivity:
    return CodeActivity(person_id, *(int(value or 0) for value in figures))


@lru_cache(maxsize=16)
def _code_activity_of_people(weeks: tuple[IsoWeek, ...]) -> AnySelect:
    """The statement for the people bound as PEOPLE when it runs, built once per weeks: `/buildboard me` asks
    for the same two weeks for every caller, and building its thirteen sums was a tenth of the answer."""
    return _code_activity_statement(weeks, PEOPLE)


def _code_activity_statement(weeks: tuple[IsoWeek, ...], people: PeopleParameter | None) -> AnySelect:
    """Each person's sums per week (the Monday first) over the days from the first week's to the last week's."""
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
            CodeActivityDaily.day >= min(week.start for week in weeks),
            CodeActivityDaily.day <= max(week.end for week in weeks),
            *of_members(CodeActivityDaily.person_id, people),
        )
        .group_by(week_start, CodeActivityDaily.person_id)
    )
