"""Provider identities (emails) → people. Unknown emails are kept as unmatched people."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Person


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

    def person_id(self, email: str) -> int | None:
        """The person's id; None when unknown and unmatched people may not be created."""
        found = self._ids.get(email)
        if found is not None:
            if email in self._known_unmatched:
                self.unmatched.add(email)
            return found
        if not self._create:
            return None
        person = Person(
            email=email, name=None, team=None, in_org=False, active=True, created_at=self._now, updated_at=self._now
        )
        self._session.add(person)
        self._session.flush()
        self._ids[email] = person.id
        self._known_unmatched.add(email)
        self.unmatched.add(email)
        return person.id
