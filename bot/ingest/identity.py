"""Provider identities (emails) → people. Unknown emails are kept as unmatched people."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Person
from bot.db.upsert import insert_ignore


class PersonResolver:
    """Maps emails to person ids within one transaction, creating unmatched people on demand."""

    def __init__(self, session: Session, now: datetime, *, create_unmatched: bool = True) -> None:
        self._session = session
        self._now = now
        self._create = create_unmatched
        self._ids: dict[str, int] = dict(
            session.execute(select(Person.email, Person.id).where(Person.email.is_not(None))).all()
        )
        self.unmatched: set[str] = set()
        # Unmatched: seen at a provider but never listed in the people file (so no name).
        self._known_unmatched = set(
            session.scalars(select(Person.email).where(Person.name.is_(None), Person.email.is_not(None)))
        )

    def known_id(self, email: str) -> int | None:
        """The id of a person stored before this resolver was made or added by it (no database work)."""
        found = self._ids.get(email)
        if found is not None and email in self._known_unmatched:
            self.unmatched.add(email)
        return found

    def person_id(self, email: str) -> int | None:
        """The person's id; None when unknown and unmatched people may not be created."""
        found = self.known_id(email)
        if found is not None:
            return found
        if not self._create:
            return None
        # ON CONFLICT DO NOTHING, then read: a concurrent import that brings the same new email waits for
        # the other's commit and then finds its row, instead of failing on the unique email.
        insert_ignore(
            self._session,
            Person.__table__,
            {
                "email": email,
                "name": None,
                "team": None,
                "in_org": False,
                "active": True,
                "created_at": self._now,
                "updated_at": self._now,
            },
            key=("email",),
        )
        person_id = self._session.scalar(select(Person.id).where(Person.email == email))
        if person_id is None:  # cannot happen: the row was inserted or already there
            raise RuntimeError("an unmatched person vanished between insert and select")
        self._ids[email] = person_id
        self._known_unmatched.add(email)
        self.unmatched.add(email)
        return person_id
