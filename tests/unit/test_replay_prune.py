"""The replay check prunes expired signatures from the database once a minute, never in a fresh server's
first acks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.db.models import SeenSlackRequest
from bot.slack.replay import DB_PRUNE_EVERY_S, ReplayGuard

START = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


def _stored(sessions) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(SeenSlackRequest)))


def test_the_first_prune_waits_a_minute_then_comes_every_minute(engine, sessions):
    with sessions.begin() as session:  # a replica that stopped an hour ago left these behind
        session.add_all(
            SeenSlackRequest(signature_hash=f"{n:064x}", expires_at=START - timedelta(hours=1)) for n in range(3)
        )
    clock = [START]
    guard = ReplayGuard(engine, now=lambda: clock[0])
    timestamp = int(START.timestamp())
    assert guard.first_time(timestamp, "v0=first")
    assert _stored(sessions) == 3 + 1  # nothing pruned while the first commands are acked
    clock[0] = START + timedelta(seconds=DB_PRUNE_EVERY_S - 1)
    assert guard.first_time(timestamp, "v0=second")
    assert _stored(sessions) == 3 + 2
    clock[0] = START + timedelta(seconds=DB_PRUNE_EVERY_S)
    assert guard.first_time(timestamp, "v0=third")
    assert _stored(sessions) == 3  # the expired ones are gone; the three of this minute are kept
    assert not guard.first_time(timestamp, "v0=first")  # and still refused as replays
