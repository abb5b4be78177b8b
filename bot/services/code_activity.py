"""Coding agents' output signals per person and week (Claude Code analytics), aggregated in the database.

For `/buildboard me`, team stats and App Home: commits and pull requests shown beside spend.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import CodeActivityDaily
from bot.db.value_sets import in_values
from bot.domain.periods import IsoWeek
from bot.domain.reports import CodeActivity


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
        )
        .where(CodeActivityDaily.day >= week.start, CodeActivityDaily.day <= week.end)
        .group_by(CodeActivityDaily.person_id)
    )
    if person_ids is not None:
        query = query.where(in_values(CodeActivityDaily.person_id, list(person_ids)))
    return {
        pid: CodeActivity(pid, int(s or 0), int(a or 0), int(r or 0), int(c or 0), int(p or 0), int(d or 0))
        for pid, s, a, r, c, p, d in session.execute(query)
    }
