"""Coding agents' output signals per person and week (Claude Code analytics), aggregated in the database.

For `/buildboard me`, team stats and App Home: commits and pull requests shown beside spend.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import CodeActivityDaily
from bot.domain.periods import IsoWeek


@dataclass(frozen=True)
class CodeActivity:
    """One person's coding-agent activity over a week (all agents summed)."""

    person_id: int
    sessions: int = 0
    lines_added: int = 0
    lines_removed: int = 0
    commits: int = 0
    pull_requests: int = 0
    active_days: int = 0

    @property
    def any(self) -> bool:
        return bool(self.sessions or self.commits or self.pull_requests or self.lines_added or self.lines_removed)


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
        query = query.where(CodeActivityDaily.person_id.in_(list(person_ids)))
    return {
        pid: CodeActivity(pid, int(s or 0), int(a or 0), int(r or 0), int(c or 0), int(p or 0), int(d or 0))
        for pid, s, a, r, c, p, d in session.execute(query)
    }
