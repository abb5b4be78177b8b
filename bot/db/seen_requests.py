"""Signed Slack requests already answered: shared by every replica through the database.

Written inside Slack's 3-second ack, so through an engine for quick writes (bot.db.engine.make_quick_writes_engine):
one autocommitted statement a request.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete

from bot.db.models import SeenSlackRequest
from bot.db.upsert import insert_ignore_statement, inserted


def first_sighting(engine: Engine, signature_hash: str, expires_at: datetime) -> bool:
    """Record the request; True when no process had recorded it before."""
    row = {"signature_hash": signature_hash, "expires_at": expires_at}
    statement = insert_ignore_statement(engine.dialect.name, SeenSlackRequest.__table__, row, key=["signature_hash"])
    with engine.connect() as connection:
        first = inserted(engine.dialect.name, connection.execute(statement))
        connection.commit()  # nothing to do on an autocommit engine
        return first


def forget_expired(engine: Engine, now: datetime) -> None:
    """Drop the requests whose timestamps Slack's signature check refuses anyway."""
    with engine.begin() as connection:
        connection.execute(delete(SeenSlackRequest).where(SeenSlackRequest.expires_at < now))
