"""A 30-day `usage sync cursor` of the whole organisation, paced to the Cursor Admin API's 20 requests a minute.

Waiting real minutes would measure nothing but the limit, so the pacer and the stand-in's rate limiter share a
simulated clock: sleeping advances it at once. The stand-in answers 429 (with Retry-After) to any request
beyond 20 in a rolling minute of that clock, exactly as a paced client must avoid; two 429s are also
scripted, as Cursor may send them anyway. The baseline is the least time the limit allows for the
requests made (one every 3 s); the measured figure is the simulated time the sync took. It passes when
the sync is within 10 % of that floor, the limiter never had to refuse a request, and no 429 was retried
more than once. Real (wall-clock) time, with the database writes, is in the note.
"""

from __future__ import annotations

import random
import threading
import time
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import create_engine, select
from sqlalchemy.orm import sessionmaker

from bench.core import Result, seconds
from bench.setup import NOW
from bot.db.models import Person
from bot.ingest.cursor_admin import REQUESTS_PER_MINUTE, CursorAdminClient, CursorUsage, Pacer
from bot.services.sync import sync_provider
from bot.settings import Settings
from tests.fakes.cursor_admin import (
    ADMIN_KEY,
    DAILY_USAGE,
    USAGE_EVENTS,
    DailyUsage,
    FakeCursorAdmin,
    Member,
    UsageEvent,
)

DAYS = 30
MODELS = ("claude-4-sonnet", "gpt-5", "auto")
TARGET = 1.10


class SimulatedClock:
    """Seconds since the start of the run; sleeping moves it forward at once. Shared by pacer and stand-in."""

    def __init__(self) -> None:
        self._now = 0.0
        self._lock = threading.Lock()

    def time(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._now += max(0.0, seconds)


def _fill(fake: FakeCursorAdmin, emails: list[str], seed: int = 18) -> tuple[int, int]:
    rng = random.Random(seed)
    last = NOW.date() - timedelta(days=1)
    first = last - timedelta(days=DAYS - 1)
    fake.members = [Member(email) for email in emails]
    events, daily = [], []
    for email in emails:
        if rng.random() < 0.1:
            continue  # a seat nobody uses
        for offset in range(DAYS):
            day = first + timedelta(days=offset)
            if day.weekday() >= 5 or rng.random() < 0.2:
                continue
            daily.append(
                DailyUsage(
                    day,
                    email,
                    accepted_lines_added=rng.randint(0, 400),
                    agent_requests=rng.randint(0, 30),
                    composer_requests=rng.randint(0, 5),
                    chat_requests=rng.randint(0, 10),
                )
            )
            for hour in rng.sample(range(8, 19), rng.randint(1, 3)):
                overage = rng.random() < 0.1  # usage-based beyond the plan: billed on top of the seat
                events.append(
                    UsageEvent(
                        day,
                        email,
                        rng.choice(MODELS),
                        rng.randint(100, 20_000),
                        rng.randint(10, 4_000),
                        rng.randint(0, 50_000),
                        rng.randint(0, 5_000),
                        total_cents=Decimal(rng.randint(1, 900)) / 100,
                        charged_cents=None,
                        kind="Usage-based" if overage else "Included in Business",
                        hour=hour,
                    )
                )
    fake.events, fake.daily = events, daily
    return len(events), len(daily)


def run(database: str, url: str, *, log=print) -> Result:
    engine = create_engine(url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions() as session:
        emails = [e for (e,) in session.execute(select(Person.email).where(Person.in_org.is_(True))) if e]
    clock = SimulatedClock()
    with FakeCursorAdmin(rate_per_minute=REQUESTS_PER_MINUTE, clock=clock.time) as fake:
        events, days = _fill(fake, emails)
        # Two 429s Cursor may send anyway: each must cost one retry, after its Retry-After.
        fake.fail_next(USAGE_EVENTS, 429, retry_after="7", when=lambda r: (r.body or {}).get("page") == 2)
        fake.fail_next(DAILY_USAGE, 429, retry_after="2")
        pacer = Pacer(REQUESTS_PER_MINUTE, clock=clock.time, sleep=clock.sleep)
        client = CursorAdminClient(fake.base_url, ADMIN_KEY, pacer=pacer)
        source = CursorUsage(client)
        until = NOW.date() - timedelta(days=1)
        since = until - timedelta(days=DAYS - 1)
        settings = Settings(database_url=url, _env_file=None)
        log(f"[{database}] cursor sync: {len(emails):,} seats, {events:,} events, {days:,} active days")
        started = time.perf_counter()
        try:
            report = sync_provider("cursor", sessions, settings, since, until, NOW, source=source)
        finally:
            client.close()
        wall = time.perf_counter() - started
        refused = fake.rate_limited
    engine.dispose()
    stats = client.stats
    floor = (stats.requests - 1) * 60.0 / REQUESTS_PER_MINUTE  # the first request needs no wait
    simulated = clock.time()
    ratio = simulated / floor if floor else None
    passed = report.ok and ratio is not None and ratio <= TARGET and refused == 0 and stats.max_retries_of_one_call <= 1
    return Result(
        database,
        f"Cursor sync, {DAYS} days × {len(emails):,} people (simulated clock)",
        f"{stats.requests} requests at {REQUESTS_PER_MINUTE}/min: {floor / 60:.1f} min",
        f"{simulated / 60:.1f} min",
        ratio,
        f"≤ {TARGET:.2f}, no 429 retried twice",
        passed,
        f"{report.rows:,} usage rows, {report.activity_rows:,} activity days, {report.seats_held:,} seats; "
        f"{stats.rate_limited} 429s (scripted {stats.rate_limited - refused}, from the limiter {refused}), "
        f"at most {stats.max_retries_of_one_call} retry for one call; {seconds(wall)} wall-clock "
        f"(the pacer's waits are simulated; HTTP and database writes are real)"
        + ("" if report.ok else f"; FAILED: {report.error}"),
    )
