"""`/buildboard privacy on|off`: keep a person's name out of public posts."""

from __future__ import annotations

from datetime import datetime

from bot.db.models import Person


def set_public_opt_out(person: Person, opt_out: bool, *, now: datetime) -> bool:
    """Set the person's choice (inside the caller's transaction); True when it changed."""
    if person.public_opt_out == opt_out:
        return False
    person.public_opt_out = opt_out
    person.updated_at = now
    return True
