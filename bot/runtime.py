"""Wiring for a process: settings → engine → sessions → Slack client → services."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from functools import cached_property

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.db.engine import make_engine, make_session_factory
from bot.domain.clock import Clock, system_clock
from bot.llm.client import LlmClient, build_llm
from bot.settings import Settings
from bot.slack.client import build_web_client
from bot.slack.delivery import OutboxSender, Pacer
from bot.slack.nudge_dms import SlackNudgeDms
from bot.slack.rendering import MessageRenderer


@dataclass
class Runtime:
    settings: Settings
    clock: Clock = system_clock

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return make_session_factory(self.engine)

    @cached_property
    def slack(self) -> WebClient:
        return build_web_client(self.settings)

    @cached_property
    def llm(self) -> LlmClient | None:
        """The one LLM client (None when off or no OPENAI_API_KEY: features fall back)."""
        return build_llm(self.settings)

    @cached_property
    def sender(self) -> OutboxSender:
        return OutboxSender(
            self.sessions,
            self.slack,
            clock=self.clock,
            pacer=pacer_for(self.settings),
            claim_seconds=self.settings.outbox_claim_seconds,
            renderer=self.renderer,
        )

    @cached_property
    def renderer(self) -> MessageRenderer:
        """Builds each outbox message when it is sent."""
        return MessageRenderer(self.settings)

    @cached_property
    def nudge_dms(self) -> SlackNudgeDms:
        """Rewrites a person's nudge DMs once they answer."""
        return SlackNudgeDms(self.slack)

    def require_slack(self) -> None:
        if self.settings.slack_bot_token is None:
            raise ValueError("SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…) from the Slack app")


def pacer_for(settings: Settings) -> Pacer:
    """Slack's posting limits as configured (BUILDBOARD_SLACK_*)."""
    return Pacer(
        channel_interval=settings.slack_channel_interval,
        workspace_rate=settings.slack_workspace_rate,
        workspace_burst=settings.slack_workspace_burst,
    )


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        job = getattr(record, "job", None)  # set by the scheduler's job runner
        if job is not None:
            entry["job"] = job
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure_logging(settings: Settings, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Third-party loggers that would print request details (and with them, tokens) at DEBUG.
    for noisy in ("slack_sdk", "slack_bolt", "urllib3", "httpx", "httpx2", "openai", "anthropic", "waitress"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
