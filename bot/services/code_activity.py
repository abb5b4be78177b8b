"""Coding agents' output signals per person and week (Claude Code analytics, Cursor's daily usage data,
GitHub Copilot's users report).

For `/buildboard me`, team stats and App Home: commits, pull requests, accepted lines and requests shown
beside spend. Aggregated in the database.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.db.models import CodeActivityDaily
from bot.db.query_types import AnySelect
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
        rows = session.execute(_code_activity_statement(week, None))
    else:
        rows = session.execute(_code_activity_of_people(week), {PEOPLE.name: sorted(set(person_ids))})
    return {pid: CodeActivity(pid, *(int(value or 0) for value in figures)) for pid, *figures in rows}


@lru_cache(maxsize=16)
def _code_activity_of_people(week: IsoWeek) -> AnySelect:
    """The statement for the people bound as PEOPLE when it runs, built once per week: `/buildboard me` asks
    for the same two weeks for every caller, and building its thirteen sums was a tenth of the answer."""
    return _code_activity_statement(week, PEOPLE)


def _code_activity_statement(week: IsoWeek, people: PeopleParameter | None) -> AnySelect:
    return (
        select(
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
            CodeActivityDaily.day >= week.start,
            CodeActivityDaily.day <= week.end,
            *of_members(CodeActivityDaily.person_id, people),
        )
        .group_by(CodeActivityDaily.person_id)
    )
