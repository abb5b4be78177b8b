"""The audit trail: every time someone views others' numbers, one row says who, which group, how and when.

A view of a manager's tree of 5,000 people is one row, not 5,000: the row names the group (its root
person or team) and the org chart's version it saw. "Who looked at my numbers" joins the views to the
org chart as it was at that version (org_closure's valid_from and the pairs that ended, in
org_closure_history; team_history; bot/db/org_chart.py),
so a person sees exactly the views of groups they were in when the view happened, and nothing more.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Insert,
    Integer,
    Select,
    String,
    Table,
    and_,
    bindparam,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from bot.db.models import (
    AuditView,
    OrgChartVersion,
    OrgClosure,
    OrgClosureHistory,
    Person,
    TeamHistory,
    UtcDateTime,
)
from bot.domain.reports import VIEWS_SHOWN_DAYS, ViewedBy, ViewedGroup

SCOPES = frozenset({"tree", "team", "person", "everyone"})


def record_view(
    session: Session,
    *,
    viewer_id: int | None,
    group: ViewedGroup,
    action: str,
    detail: str | None,
    now: datetime,
    viewer_slack_user_id: str | None = None,
) -> int:
    """Record that `viewer_id` saw the numbers of `group` (one row); returns rows written (0: they saw only themselves).

    A viewer outside the people file (an admin given by Slack id) has no `viewer_id`: the row keeps
    their Slack id instead, so the people they looked at see who it was. A known viewer's Slack id is
    not copied: it is read from the people file, and erased with them. The row records the org chart's
    version in the same statement, so who was in the group is the chart this transaction read.
    """
    if group.scope not in SCOPES:
        raise ValueError(f"unknown audit scope {group.scope!r}")
    if group.scope == "person" and group.root_person_id == viewer_id:
        return 0
    session.execute(
        _record_view_statement(),
        {
            "viewer_person_id": viewer_id,
            "viewer_slack_user_id": viewer_slack_user_id if viewer_id is None else None,
            "scope": group.scope,
            "root_person_id": group.root_person_id if group.scope in ("tree", "person") else None,
            "team_key": group.team_key if group.scope == "team" else None,
            "action": action,
            "detail": (detail or "")[:300] or None,
            "at": now,
        },
    )
    return 1


@lru_cache(maxsize=1)
def _record_view_statement() -> Insert:
    """record_view's INSERT, built once, the row's values bound when it runs; a Core insert of the table, not the
    ORM's bulk insert of one entity (building the statement and the ORM's path were most of recording a view)."""
    version = select(func.coalesce(func.max(OrgChartVersion.version), 0)).scalar_subquery()
    return insert(cast(Table, AuditView.__table__)).values(org_version=version)  # __table__ is typed a FromClause


def _held_at_view(history: Any) -> ColumnElement[bool]:
    """The history row was valid at the version the view saw (valid_from inclusive, valid_to exclusive)."""
    return and_(
        history.valid_from <= AuditView.org_version,
        or_(history.valid_to.is_(None), history.valid_to > AuditView.org_version),
    )


def views_seen_by(person_id: int, *, since: datetime | None = None) -> Select[int]:
    """Ids of the views that showed `person_id`'s numbers (by someone else), since `since` if given."""
    return _seen(literal(person_id), literal(since, UtcDateTime()) if since is not None else None)


def _seen(person: ColumnElement[Any], since: ColumnElement[Any] | None) -> Select[int]:
    """One indexed branch per kind of group: views of them alone; of a tree they were below at the view's
    version (their few closure rows, now and ended → the views rooted there); of a team they were in then; of
    the whole organisation while they were in the people table.
    """
    ended, team = aliased(OrgClosureHistory), aliased(TeamHistory)
    # Their own views are not shown to them.
    recent = [or_(AuditView.viewer_person_id.is_(None), AuditView.viewer_person_id != person)]
    if since is not None:
        recent.append(AuditView.at >= since)
    branches = [
        select(AuditView.id).where(AuditView.scope == _scope("person"), AuditView.root_person_id == person, *recent),
        # A tree they are below now, viewed since they have been; a tree they were below until a later change.
        select(AuditView.id)
        .join(OrgClosure, OrgClosure.ancestor_id == AuditView.root_person_id)
        .where(
            AuditView.scope == _scope("tree"),
            OrgClosure.descendant_id == person,
            OrgClosure.valid_from <= AuditView.org_version,
            *recent,
        ),
        select(AuditView.id)
        .join(ended, ended.ancestor_id == AuditView.root_person_id)
        .where(AuditView.scope == _scope("tree"), ended.descendant_id == person, _held_at_view(ended), *recent),
        select(AuditView.id)
        .join(team, team.team_key == AuditView.team_key)
        .where(AuditView.scope == _scope("team"), team.person_id == person, _held_at_view(team), *recent),
        select(AuditView.id)
        .join(team, and_(team.person_id == person, _held_at_view(team)))
        .where(AuditView.scope == _scope("everyone"), *recent),
    ]
    seen = union_all(*branches).subquery("seen")
    return select(seen.c.id)


def _scope(name: str) -> ColumnElement[str]:
    """The scope written into the SQL, not bound: the planner then uses the partial index of `everyone` views."""
    return literal_column(f"'{name}'", String())


def _views_of_statement() -> Select[str | None, str, str, int, datetime]:
    viewer = aliased(Person)
    seen = _seen(bindparam("person", type_=Integer()), bindparam("since", type_=UtcDateTime()))
    return (
        select(
            viewer.name,
            func.coalesce(viewer.slack_user_id, AuditView.viewer_slack_user_id),
            AuditView.action,
            func.count(),
            func.max(AuditView.at),
        )
        .outerjoin(viewer, viewer.id == AuditView.viewer_person_id)
        .where(AuditView.id.in_(seen))
        .group_by(
            AuditView.viewer_person_id,
            AuditView.viewer_slack_user_id,
            viewer.name,
            viewer.slack_user_id,
            AuditView.action,
        )
        .order_by(func.max(AuditView.at).desc())
    )


# Built once: App Home and `/buildboard me` ask it on every open, and building this union costs more than running it.
_VIEWS_OF = _views_of_statement()


def views_of(session: Session, person_id: int, *, now: datetime, days: int = VIEWS_SHOWN_DAYS) -> list[ViewedBy]:
    """Who viewed `person_id`'s numbers in the last `days` days, most recent first (aggregated in SQL).

    A viewer outside the people file is shown by the Slack id their rows kept.
    """
    rows = session.execute(_VIEWS_OF, {"person": person_id, "since": now - timedelta(days=days)}).all()
    return [ViewedBy(name, slack_id, action, int(times), last) for name, slack_id, action, times, last in rows]
