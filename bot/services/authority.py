"""Who may see whom: the one rule every command goes through.

Everyone sees themselves; a manager sees everyone below them in the org chart, directly or
indirectly; people listed in BUILDBOARD_ADMINS see everyone. A manager's tree is one indexed lookup
in the org chart's closure table (org_closure, kept with every change of a manager), never a walk.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import CTE, ColumnElement, Select, func, literal, select
from sqlalchemy.orm import Session

from bot.db.models import OrgClosure, Person
from bot.db.query_types import AnySelect
from bot.db.value_sets import in_values
from bot.services.identity import UserLookup, person_for_slack_user
from bot.settings import Settings


@dataclass(frozen=True)
class Viewer:
    """Someone asking to see numbers: a person in the people file, an admin, or both."""

    person_id: int | None  # None: an admin who is not in the people file
    is_admin: bool
    slack_user_id: str | None = None


def viewer_for(person: Person | None, slack_user_id: str | None, settings: Settings) -> Viewer | None:
    """The viewer behind a Slack user (None when they are neither known nor an admin)."""
    admin = settings.is_admin(email=person.email if person else None, slack_user_id=slack_user_id)
    if person is None and not admin:
        return None
    return Viewer(person.id if person else None, admin, slack_user_id)


def caller(
    session: Session, slack_user_id: str, settings: Settings, lookup_user: UserLookup | None = None
) -> tuple[Person | None, Viewer | None]:
    """The person behind a Slack user and what they may see (Viewer None: not known and not an admin)."""
    person = person_for_slack_user(session, slack_user_id, lookup_user)
    return person, viewer_for(person, slack_user_id, settings)


def subtree(root_id: int, name: str = "subtree") -> CTE:
    """`root_id` and everyone below them (a CTE with a single `person_id` column)."""
    everyone_below = select(OrgClosure.descendant_id.label("person_id")).where(OrgClosure.ancestor_id == root_id)
    return select(literal(root_id).label("person_id")).union_all(everyone_below).cte(name)


def below(root_id: int | ColumnElement[int]) -> AnySelect:
    """Ids of everyone below `root_id` (an id, or a bind parameter) in the org chart, directly or indirectly:
    their team, without them."""
    return select(OrgClosure.descendant_id.label("person_id")).where(OrgClosure.ancestor_id == root_id)


def scope(viewer: Viewer) -> AnySelect | None:
    """Ids of everyone `viewer` may see, as a subquery; None means everyone (admins)."""
    if viewer.is_admin:
        return None
    if viewer.person_id is None:
        return select(Person.id).where(literal(False))
    tree = subtree(viewer.person_id, "viewer_scope")
    return select(tree.c.person_id)


def may_see(session: Session, viewer: Viewer, subjects: Collection[int] | AnySelect) -> bool:
    """True when `viewer` may see the numbers of every person in `subjects` (ids, or a subquery of ids)."""
    if viewer.is_admin:
        return True
    if viewer.person_id is None:
        return False
    if not isinstance(subjects, Select):
        wanted = set(subjects)
        if not wanted:
            return True
        if wanted == {viewer.person_id}:
            return True
        subjects = select(Person.id).where(in_values(Person.id, sorted(wanted)))
    allowed = scope(viewer)
    assert allowed is not None
    asked = subjects.subquery("subjects")
    subject = asked.c[0]
    hidden = select(subject).where(subject.not_in(allowed)).exists()
    return not session.scalar(select(hidden))


def reports_count(session: Session, person_id: int) -> int:
    """How many people are below `person_id` (directly or indirectly), departed ones included."""
    return int(
        session.scalar(select(func.count()).select_from(OrgClosure).where(OrgClosure.ancestor_id == person_id)) or 0
    )
