"""Answer each signed Slack request once: a replay of the same signature within its window does nothing.

A signature covers the request's timestamp and body, and the check accepts a timestamp up to
5 minutes from now either way, so a request can be replayed until its timestamp is 5 minutes old.
Each process keeps the signatures it has seen until then (a bounded dict, pruned by age), and the
database keeps them for every replica: the recommended deployment runs several replicas behind a
load balancer, and a per-process memory alone would let a captured request run once per replica.
When the database does not answer, the process's own memory still refuses replays to it.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from bot.db.seen_requests import first_sighting, forget_expired

log = logging.getLogger(__name__)

WINDOW_S = 5 * 60  # Slack's: SignatureVerifier refuses timestamps further than this from now
MAX_REMEMBERED = 100_000  # far above what one workspace sends in 10 minutes; bounds memory (~20 MB)
DB_PRUNE_EVERY_S = 60


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ReplayGuard:
    """Thread-safe: `first_time(timestamp, signature)` is True once per signed request."""

    def __init__(self, engine: Engine | None = None, *, now: Callable[[], datetime] = _utcnow) -> None:
        self._engine = engine  # serve's is make_quick_writes_engine's: one autocommitted statement a request
        self._now = now
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, float] = OrderedDict()  # signature hash -> expiry (epoch s), oldest first
        # The first prune of the database is a minute away: a fresh server's first burst of commands waited
        # for it in one of its acks (the first 20 `/buildboard me` acks, p99 4.2-5.5x a bare app; 3.3-4.2x).
        self._last_db_prune = now().timestamp()

    def first_time(self, timestamp: int, signature: str) -> bool:
        key = hashlib.sha256(signature.encode()).hexdigest()
        expires = timestamp + WINDOW_S
        now = self._now().timestamp()
        with self._lock:
            self._prune(now)
            if key in self._seen:
                return False
            self._seen[key] = expires
            if len(self._seen) > MAX_REMEMBERED:
                self._seen.popitem(last=False)
                log.warning("replay memory full: forgetting the oldest signed request early")
            prune_db = now - self._last_db_prune >= DB_PRUNE_EVERY_S
            if prune_db:
                self._last_db_prune = now
        return self._first_in_database(key, expires, now, prune_db)

    def _prune(self, now: float) -> None:
        # Entries arrive roughly in timestamp order: drop from the oldest and stop at the first still live.
        # One that arrived out of order is kept a little longer, which only makes the check stricter.
        while self._seen:
            key, expires = next(iter(self._seen.items()))
            if expires >= now:
                return
            del self._seen[key]

    def _first_in_database(self, key: str, expires: float, now: float, prune: bool) -> bool:
        if self._engine is None:
            return True
        try:
            if prune:
                forget_expired(self._engine, datetime.fromtimestamp(now, UTC) - timedelta(seconds=1))
            return first_sighting(self._engine, key, datetime.fromtimestamp(expires, UTC))
        except Exception as exc:  # the database is down: this process's memory still answers replays to it
            log.warning("replay check skipped the database (%s)", type(exc).__name__)
            return True
