"""Who holds a named lease (the scheduler's leader), as stored; bot/jobs/leader.py takes and renews it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Lease

SCHEDULER_LEASE = "scheduler"


@dataclass(frozen=True)
class LeaseHolder:
    holder: str
    expires_at: datetime


def current_leader(sessions: sessionmaker[Session], name: str = SCHEDULER_LEASE) -> LeaseHolder | None:
    """The lease's holder and expiry, or None when nobody ever held it."""
    with sessions() as session:
        lease = session.get(Lease, name)
        return LeaseHolder(lease.holder, lease.expires_at) if lease is not None else None
