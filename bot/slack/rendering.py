"""Outbox intents → Slack messages, built when they are sent (the delivery adapter's renderer).

A public message (the digest, its thread and chart, a showcase) is built from the database as
it is at send time, so privacy choices, departures and erasure made after it was queued hold.
A DM (nudge, reminder) is built from the figures its intent carries. Rows queued by an earlier
version carry their rendered text and blocks and are sent as they are.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from bot.charts.render import MatplotlibChartRenderer
from bot.domain.chart import digest_chart
from bot.domain.delivery import MessageKind
from bot.domain.periods import IsoWeek
from bot.services.digest import digest_at_send
from bot.services.ports import ChartRenderer
from bot.services.seats import still_wants_dms
from bot.services.sharing import showcase_at_send
from bot.settings import Settings
from bot.slack.blocks.digest import chart_comment, digest_blocks, digest_text, team_thread_blocks
from bot.slack.blocks.nudge import nudge_message, reminder_message
from bot.slack.blocks.seats import idle_seat_message
from bot.slack.blocks.share import showcase_message
from bot.slack.blocks.text import mention


@dataclass(frozen=True)
class SlackMessage:
    text: str
    blocks: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class SlackFile:
    filename: str
    content: bytes
    title: str | None = None
    initial_comment: str | None = None
    alt_text: str | None = None  # what the picture shows, in words (screen readers, Slack's file preview)


Rendered = SlackMessage | SlackFile | None  # None: nothing to send any more (e.g. the artifact was erased)
FILE_KINDS = frozenset({MessageKind.DIGEST_CHART.value, MessageKind.FILE.value})


class MissingSettings(RuntimeError):
    """A digest intent reached a sender built without settings."""


class MessageRenderer:
    """Builds each outbox row's message at send time; `settings` shape the digest (ranking, titles, groups)."""

    def __init__(self, settings: Settings | None = None, charts: ChartRenderer | None = None) -> None:
        self._settings = settings
        self._charts = charts or MatplotlibChartRenderer()  # the Runtime passes its own

    def render(self, session: Session, kind: str, payload: dict[str, Any]) -> Rendered:
        if "blocks" in payload or "text" in payload:  # queued already rendered (an earlier version, tests)
            return SlackMessage(str(payload.get("text", "")), payload.get("blocks"))
        if "content_b64" in payload:
            return SlackFile(
                payload["filename"],
                base64.b64decode(payload["content_b64"]),
                payload.get("title"),
                payload.get("initial_comment"),
            )
        if kind == MessageKind.NUDGE:
            message = nudge_message(
                IsoWeek.parse(payload["week"]),
                int(payload["tokens"]),
                Decimal(payload["spend_usd"]),
                payload.get("rank"),
                payload.get("ranked_people"),
                spend_public=self._settings is not None and self._settings.spend_public,
            )
            return SlackMessage(message["text"], message["blocks"])
        if kind == MessageKind.REMINDER:
            message = reminder_message(
                IsoWeek.parse(payload["week"]), int(payload["tokens"]), Decimal(payload["spend_usd"])
            )
            return SlackMessage(message["text"], message["blocks"])
        if kind == MessageKind.IDLE_SEAT:
            # Built from the intent's seats; not sent to someone who left or turned DMs off since it was queued.
            if not still_wants_dms(session, int(payload["person_id"])):
                return None
            message = idle_seat_message(list(payload["seats"]), int(payload.get("idle_days", 30)))
            return SlackMessage(message["text"], message["blocks"])
        if kind == MessageKind.SHOWCASE:
            showcase = showcase_at_send(session, int(payload["artifact_id"]))
            if showcase is None:
                return None
            author = (
                mention(showcase.author_slack_user_id, showcase.author_name)
                if showcase.author_slack_user_id or showcase.author_name
                else "A colleague"
            )
            message = showcase_message(
                author,
                showcase.title,
                showcase.url,
                showcase.description,
                showcase.kind,
                showcase.hours_saved_per_week,
                artifact_id=showcase.artifact_id,
                endorsements=showcase.endorsements,
            )
            return SlackMessage(message["text"], message["blocks"])
        if kind in (MessageKind.DIGEST, MessageKind.DIGEST_THREAD, MessageKind.DIGEST_CHART):
            if self._settings is None:
                raise MissingSettings("this sender was built without settings: it cannot build a digest")
            digest = digest_at_send(session, payload, self._settings)
            if kind == MessageKind.DIGEST:
                return SlackMessage(digest_text(digest), digest_blocks(digest))
            if kind == MessageKind.DIGEST_THREAD:
                return SlackMessage(f"Buildboard {digest.week}: per-team detail", team_thread_blocks(digest))
            if not digest.chart:  # spend public and too few people not named: the chart would single them out
                return None
            chart = digest_chart(digest.chart, digest.week)
            caption = chart_comment(digest)
            return SlackFile(f"buildboard-{digest.week}.png", self._charts.render(chart), chart.title, caption, caption)
        raise ValueError(f"no renderer for outbox kind {kind!r}")
