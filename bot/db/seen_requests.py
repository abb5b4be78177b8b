"""Signed Slack requests already answered: shared by every replica through the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import SeenSlackRequest
from bot.db.upsert import insert_ignore


def first_sighting(sessions: sessionmaker[Session], signature_hash: str, expires_at: datetime) -> bool:
    """Record the request; True when no process had recorded it before."""
    with sessions.begin() as session:
        row = {"signature_hash": signature_hash, "expires_at": expires_at}
        return insert_ignore(session, SeenSlackRequest.__table__, row, key=["signature_hash"])


def forget_expired(sessions: sessionmaker[Session], now: datetime) -> None:
    """Drop the requests whose timestamps Slack's signature check refuses anyway."""
    with sessions.begin() as session:
        session.execute(delete(SeenSlackRequest).where(SeenSlackRequest.expires_at < now))
