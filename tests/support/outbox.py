"""Outbox rows queued by hand, a paced sender pointed at the Slack stand-in, and what the stand-in received."""

from collections import Counter

from slack_sdk import WebClient
from sqlalchemy import select

from bot.db.models import OutboxMessage
from bot.demo.standin.slack import SlackStandIn
from bot.domain.clock import system_clock
from bot.services import outbox
from bot.slack.delivery import METADATA_EVENT, OutboxSender, Pacer
from tests.conftest import BOT_TOKEN

CHANNEL_INTERVAL = 0.3
WORKSPACE_RATE = 20.0


def queue(sessions, rows):
    with sessions.begin() as session:
        for key, channel in rows:
            outbox.enqueue(
                session, key=key, kind="nudge", channel=channel, payload={"text": f"hello {key}"}, now=system_clock()
            )


def make_sender(sessions, slack, *, timeout=5.0, **kwargs):
    client = WebClient(token=BOT_TOKEN, base_url=slack.base_url, timeout=timeout)
    pacer = Pacer(channel_interval=CHANNEL_INTERVAL, workspace_rate=WORKSPACE_RATE, workspace_burst=1)
    return OutboxSender(sessions, client, pacer=pacer, retry_base=0.05, **kwargs)


def keys_posted(slack: SlackStandIn) -> Counter:
    return Counter(
        m["metadata"]["event_payload"]["outbox_key"]
        for m in slack.posted_messages
        if (m.get("metadata") or {}).get("event_type") == METADATA_EVENT
    )


def statuses(sessions) -> Counter:
    with sessions() as session:
        return Counter(session.scalars(select(OutboxMessage.status)))
