"""Coding agents' output signals per person and week (Claude Code analytics, Cursor's daily usage data,
GitHub Copilot's users report).

For `/buildboard me`, team stats and App Home: commits, pull requests, accepted lines and requests shown
beside spend. Aggregated in the database.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.db.models import CodeActivityDaily
from bot.db.value_sets import in_values
from bot.domain.periods import IsoWeek
from bot.domain.reports import CodeActivity

CURSOR = "cursor"  # code_activity_daily.provider of Cursor's daily usage data
COPILOT = "copilot"  # code_activity_daily.provider of GitHub Copilot's users report


def code_activity_by_person(
    session: Session, week: IsoWeek, person_ids: Collection[int] | None = None
) -> dict[int, CodeActivity]:
    """Everyone with coding-agent activity in the week (optionally only `person_ids`), by person id."""
    query = (
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
        .where(CodeActivityDaily.day >= week.start, CodeActivityDaily.day <= week.end)
        .group_by(CodeActivityDaily.person_id)
    )
    if person_ids is not None:
        query = query.where(in_values(CodeActivityDaily.person_id, list(person_ids)))
    return {pid: CodeActivity(pid, *(int(value or 0) for value in figures)) for pid, *figures in session.execute(query)}
