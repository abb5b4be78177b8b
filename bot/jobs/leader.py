"""One leader among the `buildboard serve` processes: a lease row with an expiry, renewed by its holder.

Why a row and not a PostgreSQL advisory lock: a session-level advisory lock lives on one
connection, so it breaks behind a transaction-pooling PgBouncer and silently vanishes when that
connection drops (the holder would not notice until it next checks); a row with `expires_at`
works through any pooler, on SQLite too, and shows who leads (in /readyz). The price is that
takeover waits for the expiry: the holder renews every third of the lease (15 s of 45 s by
default), so a dead leader is replaced within one lease period, under a minute. A stalled
leader that wakes up after losing the lease can at worst run a job a second time, and every job
is idempotent (outbox keys, upserts), so nothing is sent twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db.leases import SCHEDULER_LEASE
from bot.db.models import Lease
from bot.db.upsert import insert_ignore
from bot.domain.clock import Clock, system_clock

log = logging.getLogger(__name__)


class LeaderLease:
    """Acquire, renew and release the named lease for `holder`."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        holder: str,
        *,
        name: str = SCHEDULER_LEASE,
        lease_seconds: float = 45.0,
        clock: Clock = system_clock,
    ) -> None:
        self._sessions = sessions
        self.holder = holder
        self.name = name
        self.lease_seconds = lease_seconds
        self._clock = clock
        self._held_until: datetime | None = None

    def try_acquire(self) -> bool:
        """Take the lease if it is free or expired, renew it if it is ours. True when we hold it."""
        now = self._clock()
        expires = now + timedelta(seconds=self.lease_seconds)
        with self._sessions.begin() as session:
            result = session.execute(
                update(Lease)
                .where(Lease.name == self.name, or_(Lease.holder == self.holder, Lease.expires_at < now))
                .values(holder=self.holder, expires_at=expires)
            )
            won = result.rowcount == 1
            if not won:
                won = insert_ignore(
                    session,
                    Lease.__table__,
                    {"name": self.name, "holder": self.holder, "expires_at": expires},
                    key=("name",),
                )
        self._held_until = expires if won else None
        return won

    def holds(self) -> bool:
        """Whether we held the lease at our last renewal and it has not run out since."""
        return self._held_until is not None and self._clock() < self._held_until

    def release(self) -> None:
        """Give the lease up at once (clean shutdown): another process takes over without waiting."""
        self._held_until = None
        with self._sessions.begin() as session:
            session.execute(delete(Lease).where(Lease.name == self.name, Lease.holder == self.holder))


class LeaderElector:
    """A daemon thread that keeps trying for the lease and says when leadership is won or lost."""

    def __init__(
        self,
        lease: LeaderLease,
        *,
        on_elected: Callable[[], None],
        on_demoted: Callable[[], None],
        renew_every: float | None = None,
    ) -> None:
        self.lease = lease
        self._on_elected = on_elected
        self._on_demoted = on_demoted
        self._renew_every = renew_every or lease.lease_seconds / 3
        self._leading = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="leader-elector", daemon=True)

    @property
    def leading(self) -> bool:
        return self._leading and self.lease.holds()

    def start(self) -> None:
        self._thread.start()

    def _tick(self) -> None:
        try:
            won = self.lease.try_acquire()
        except Exception:  # database unreachable: we cannot prove we lead, so we do not
            log.exception("could not renew the scheduler lease")
            won = False
        if won and not self._leading:
            self._leading = True
            log.info("this process (%s) now leads the scheduler", self.lease.holder)
            self._on_elected()
        elif not won and self._leading:
            self._leading = False
            log.warning("this process (%s) no longer leads the scheduler", self.lease.holder)
            self._on_demoted()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._tick()
            self._stop.wait(self._renew_every)

    def stop(self) -> None:
        """Stop trying; give the lease up if held."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        if self._leading:
            self._leading = False
            self._on_demoted()
        try:
            self.lease.release()
        except Exception:
            log.exception("could not release the scheduler lease (it expires by itself)")
