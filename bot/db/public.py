"""Who may be named in public posts, as SQL: the rule of bot/domain/privacy.py over the people table."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_

from bot.db.models import Person


def named_in_public() -> ColumnElement[bool]:
    """A WHERE clause over `Person`: may this person be named in the digest, the leaderboard, titles, highlights?"""
    return and_(
        Person.in_org.is_(True),
        Person.active.is_(True),
        Person.public_opt_out.is_(False),
        Person.forgotten_at.is_(None),
        Person.name.is_not(None),
    )
