"""Fan-out of DMs through the outbox and the paced OutboxSender to a Slack stand-in that enforces
1 message per second per channel and a workspace budget, against the floor those limits allow."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from pydantic import SecretStr
from sqlalchemy import delete, func, select

from bench.core import Result, seconds
from bench.data import Dataset
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import OutboxMessage
from bot.demo.synthetic import generate_people, slack_users
from bot.services import outbox
from bot.settings import Settings
from bot.slack.client import build_web_client
from bot.slack.delivery import OutboxSender, Pacer
from bot.slack.standin import SlackStandIn

WORKSPACE_PER_SECOND = 50.0
PER_CHANNEL_PER_SECOND = 1.0
TARGET = 1.2


def run(database: str, url: str, ds: Dataset, messages: int, log=print) -> Result:
    people = generate_people(ds.people, seed=7, max_depth=8)[:messages]
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    try:
        with sessions.begin() as session:
            session.execute(delete(OutboxMessage))
        now = datetime.now(UTC)
        with sessions.begin() as session:
            for person in people:
                outbox.enqueue(
                    session,
                    key=f"bench-dm:{person.slack_user_id}",
                    kind="nudge",
                    channel=person.slack_user_id,
                    payload={"text": f"Hi {person.name.split()[0]}, what did you build this week?"},
                    now=now,
                )
        with SlackStandIn(
            users=slack_users(people),
            rate_limit_per_channel=PER_CHANNEL_PER_SECOND,
            workspace_rate_limit=WORKSPACE_PER_SECOND,
        ) as standin:
            settings = Settings(
                database_url=url,
                slack_bot_token=SecretStr("xoxb-bench-token"),
                slack_api_url=standin.base_url,
                _env_file=None,
            )
            sender = OutboxSender(
                sessions,
                build_web_client(settings),
                pacer=Pacer(
                    per_channel_interval=1 / PER_CHANNEL_PER_SECOND, workspace_interval=1 / WORKSPACE_PER_SECOND
                ),
            )
            log(f"  [{database}] fan-out: {messages:,} DMs at ≤ {WORKSPACE_PER_SECOND:g}/s workspace-wide …")
            started = time.perf_counter()
            deadline = started + 10 * messages / WORKSPACE_PER_SECOND + 120
            while time.perf_counter() < deadline:
                sender.send_due(limit=messages)
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
    floor = (messages - 1) / WORKSPACE_PER_SECOND
    ratio = took / floor
    unanswered = messages - sent
    return Result(
        database,
        f"DM fan-out ({messages:,} DMs, 1/s per channel, {WORKSPACE_PER_SECOND:g}/s workspace)",
        f"{seconds(floor)} (floor the limits allow)",
        f"{seconds(took)} ({sent:,} sent)",
        ratio,
        f"ratio ≤ {TARGET:g}, every 429 retried",
        ratio <= TARGET and unanswered == 0 and posted == messages,
        f"429s answered by the stand-in: {rate_limited}; rows not sent: {unanswered}; "
        f"distinct posts seen by Slack: {posted}",
    )
