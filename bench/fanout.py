"""Fan-out of nudge DMs (issue 3's queue_nudges/send_week) through the outbox and the OutboxSender
to a Slack stand-in enforcing 1 message per second per channel and a workspace budget, against the
floor those limits allow."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal

from pydantic import SecretStr
from sqlalchemy import delete, func, select

from bench.core import Result, seconds
from bench.data import Dataset
from bench.digest import bench_week
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import Nudge, OutboxMessage
from bot.demo.standin.slack import SlackStandIn
from bot.demo.synthetic import generate_people, slack_users
from bot.runtime import pacer_for
from bot.services.nudges import queue_nudges, send_week
from bot.services.stats import person_weeks
from bot.settings import Settings
from bot.slack.client import build_web_client
from bot.slack.delivery import OutboxSender

WORKSPACE_PER_SECOND = 50.0
PER_CHANNEL_PER_SECOND = 1.0
TARGET = 1.2


def run(database: str, url: str, ds: Dataset, messages: int, log=print) -> Result:
    """Issue 3's nudges for the bench week (top `messages` people by the nudge rule), sent by the OutboxSender."""
    week = bench_week()
    people = generate_people(ds.people, seed=7, max_depth=8)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    try:
        with sessions.begin() as session:
            session.execute(delete(OutboxMessage))
            session.execute(delete(Nudge))
            active = len(person_weeks(session, week))
        settings = Settings(
            database_url=url,
            # Only the top N % rule picks (no spend threshold); people who shared something are skipped.
            nudge_min_spend_usd=Decimal("1e12"),
            nudge_top_percent=Decimal(min(100, 115 * messages / max(active, 1))).quantize(Decimal("0.0001")),
            _env_file=None,
        )
        now = datetime.now(UTC)
        queued_at = time.perf_counter()
        queued = queue_nudges(sessions, settings, week, now, at_local_hour=False)
        queue_took = time.perf_counter() - queued_at
        count = queued.queued
        with SlackStandIn(
            users=slack_users(people),
            rate_limit_per_channel=PER_CHANNEL_PER_SECOND,
            workspace_rate_limit=WORKSPACE_PER_SECOND,
        ) as standin:
            # This workspace's limits as the operator sets them (BUILDBOARD_SLACK_*), read as `serve` reads them.
            client_settings = Settings(
                database_url=url,
                slack_bot_token=SecretStr("xoxb-bench-token"),
                slack_api_url=standin.base_url,
                slack_workspace_rate=WORKSPACE_PER_SECOND,
                slack_channel_interval=1 / PER_CHANNEL_PER_SECOND,
                _env_file=None,
            )
            sender = OutboxSender(sessions, build_web_client(client_settings), pacer=pacer_for(client_settings))
            log(f"  [{database}] fan-out: {count:,} nudge DMs at ≤ {WORKSPACE_PER_SECOND:g}/s workspace-wide …")
            started = time.perf_counter()
            deadline = started + 10 * count / WORKSPACE_PER_SECOND + 120
            while time.perf_counter() < deadline:
                send_week(sessions, sender, week, datetime.now(UTC))
                with sessions() as session:
                    left = session.scalar(
                        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != "sent")
                    )
                if not left:
                    break
                time.sleep(0.2)
            took = time.perf_counter() - started
            rate_limited = standin.rate_limited_count
            posted = len({m["channel"] for m in standin.posted_messages})
        with sessions() as session:
            sent = session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent"))
    finally:
        engine.dispose()
    floor = (count - 1) / WORKSPACE_PER_SECOND
    ratio = took / floor if floor > 0 else None
    unanswered = count - sent
    return Result(
        database,
        f"nudge fan-out ({count:,} DMs, 1/s per channel, {WORKSPACE_PER_SECOND:g}/s workspace)",
        f"{seconds(floor)} (floor the limits allow)",
        f"{seconds(took)} ({sent:,} sent)",
        ratio,
        f"ratio ≤ {TARGET:g}, every 429 retried",
        ratio is not None and ratio <= TARGET and unanswered == 0 and posted == count,
        f"queue_nudges took {seconds(queue_took)}; 429s answered by the stand-in: {rate_limited}; "
        f"rows not sent: {unanswered}; distinct DMs seen by Slack: {posted}",
    )
