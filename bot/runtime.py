"""The composition root: settings → engine → sessions → Slack client, LLM, sender, worker threads.

One Runtime per process. Listeners, jobs and commands receive it and take their collaborators
from it; nothing else creates clients, senders or thread pools. `close()` ends what it started.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from bot.domain.clock import Clock, system_clock
from bot.settings import NotConfigured, Settings

if TYPE_CHECKING:
    # Imported where each collaborator is first built: a command pays only for what it uses (the
    # Slack SDK, the LLM's SDK, SQLAlchemy and the migrations are each a good part of a second).
    from slack_sdk import WebClient
    from slack_sdk.web import SlackResponse
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from bot.charts.render import MatplotlibChartRenderer
    from bot.llm.client import LlmClient
    from bot.services.artifacts import ArtifactHook
    from bot.services.standings import WeekStandings
    from bot.slack.delivery import OutboxSender, Pacer
    from bot.slack.files import SlackPrivateFiles
    from bot.slack.nudge_dms import SlackNudgeDms
    from bot.slack.posts import SlackPostRemover
    from bot.slack.rendering import MessageRenderer

# /buildboard answers that follow the ack run on their own threads, not on Bolt's listener threads (5 of
# them): a burst of slow answers must not keep later commands from being acknowledged within Slack's 3 s.
# Two, one per CPU of a small host: answers are CPU-bound Python holding the GIL, and four of them at once
# answered no faster than two but kept the threads that ack waiting for it (ack p99 6.8× a bare app, not 3.6×).
ANSWER_WORKERS = 2
ANSWER_NICENESS = 10  # below the threads that ack, where the OS allows a thread its own priority (Linux)
ARTIFACT_HOOK_WORKERS = 2


def _lower_priority() -> None:
    """Run this answer thread at a lower CPU priority, so acks win when the machine is busy."""
    try:
        thread = threading.get_native_id()
        # Relative to the thread's own (a server started under `nice` keeps its answers below its acks too).
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + ANSWER_NICENESS))
    except (AttributeError, OSError):  # not Linux, or not permitted: answers simply share the CPU
        pass


@dataclass
class Runtime:
    settings: Settings
    clock: Clock = system_clock

    @cached_property
    def engine(self) -> Engine:
        from bot.db.engine import make_engine

        return make_engine(self.settings.database_url)

    @cached_property
    def quick_writes_engine(self) -> Engine:
        """Single autocommitted writes a crash may lose: the signed requests the HTTP endpoint has answered,
        the team reports kept (bot.db.engine.make_quick_writes_engine)."""
        from bot.db.engine import make_quick_writes_engine

        return make_quick_writes_engine(self.settings.database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        from bot.db.engine import make_session_factory

        return make_session_factory(self.engine)

    @cached_property
    def week_standings(self) -> WeekStandings:
        """The weeks' rankings `/buildboard me` places callers in, each sorted once per figures version."""
        from bot.services.standings import WeekStandings

        return WeekStandings()

    @cached_property
    def slack(self) -> WebClient:
        from bot.slack.client import build_web_client

        return build_web_client(self.settings)

    @cached_property
    def llm(self) -> LlmClient | None:
        """The one LLM client (None when off or no OPENAI_API_KEY: features fall back)."""
        from bot.ingest.prices import prices_for_llm
        from bot.llm.client import build_llm

        return build_llm(self.settings, prices_for_llm(self.settings.prices_file))

    @cached_property
    def sender(self) -> OutboxSender:
        from bot.slack.delivery import OutboxSender

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
        from bot.slack.rendering import MessageRenderer

        return MessageRenderer(self.settings, self.chart_renderer)

    @cached_property
    def chart_renderer(self) -> MatplotlibChartRenderer:
        """Draws charts (matplotlib is imported on the first drawing, not before)."""
        from bot.charts.render import MatplotlibChartRenderer

        return MatplotlibChartRenderer()

    @cached_property
    def private_files(self) -> SlackPrivateFiles:
        """Uploads files shared in no channel (App Home's chart)."""
        from bot.slack.files import SlackPrivateFiles

        return SlackPrivateFiles(self.slack)

    @cached_property
    def nudge_dms(self) -> SlackNudgeDms:
        """Rewrites a person's nudge DMs once they answer."""
        from bot.slack.nudge_dms import SlackNudgeDms

        return SlackNudgeDms(self.slack)

    @cached_property
    def post_remover(self) -> SlackPostRemover | None:
        """Deletes the bot's posts (an erased person's showcases); None without SLACK_BOT_TOKEN."""
        if self.settings.slack_bot_token is None:
            return None  # and the Slack SDK is not imported
        from bot.slack.posts import SlackPostRemover

        return SlackPostRemover(self.slack)

    def lookup_user(self, slack_user_id: str) -> SlackResponse:
        """Slack's users.info for one user: how a caller not yet linked to a person is found by email."""
        return self.slack.users_info(user=slack_user_id)

    @cached_property
    def answer_pool(self) -> ThreadPoolExecutor:
        """Where /buildboard answers run after the ack, at a lower CPU priority than the threads that ack."""
        return ThreadPoolExecutor(
            max_workers=ANSWER_WORKERS, thread_name_prefix="buildboard-answer", initializer=_lower_priority
        )

    @cached_property
    def artifact_hook_pool(self) -> ThreadPoolExecutor:
        """Where the artifact-saved hooks run, never within Slack's 3 seconds."""
        return ThreadPoolExecutor(max_workers=ARTIFACT_HOOK_WORKERS, thread_name_prefix="artifact-hooks")

    @cached_property
    def artifact_hooks(self) -> Sequence[ArtifactHook]:
        """What runs after an artifact is created or edited: nothing by default.

        Work-unit estimates are not a hook: model calls are budgeted, so they run in the daily batch
        (the `estimates` job, `buildboard estimate`), only for counted artifacts.
        """
        return ()

    def artifact_saved(self, artifact_id: int) -> None:
        """Run the artifact hooks for `artifact_id` on the hook threads; returns at once."""
        from bot.services.artifacts import after_artifact_saved

        self.artifact_hook_pool.submit(after_artifact_saved, self.artifact_hooks, artifact_id)

    def close(self) -> None:
        """Stop the sender, let the worker threads finish their work and close the quick writes' connections
        (`buildboard serve` on shutdown)."""
        if "sender" in self.__dict__:
            self.sender.stop()
        for pool in ("answer_pool", "artifact_hook_pool"):
            executor = self.__dict__.pop(pool, None)
            if executor is not None:
                executor.shutdown(wait=True)
        quick_writes_engine = self.__dict__.pop("quick_writes_engine", None)
        if quick_writes_engine is not None:
            quick_writes_engine.dispose()

    def require_slack(self, *, signing_secret: bool = False) -> None:
        """NotConfigured (one line) unless SLACK_BOT_TOKEN (and, with `signing_secret`, SLACK_SIGNING_SECRET) is set."""
        if self.settings.slack_bot_token is None:
            raise NotConfigured(
                "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…) from the Slack app's OAuth & "
                "Permissions page"
            )
        if signing_secret and self.settings.slack_signing_secret is None:
            raise NotConfigured(
                "SLACK_SIGNING_SECRET is not set: copy it from the Slack app's Basic Information page "
                "(or set SLACK_APP_TOKEN for Socket Mode)"
            )


def pacer_for(settings: Settings) -> Pacer:
    """Slack's posting limits as configured (BUILDBOARD_SLACK_*)."""
    from bot.slack.delivery import Pacer

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
    """Log to stderr at `level`: WARNING for commands (their result is their output), INFO with -v or for
    `serve`, DEBUG with -vv."""
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
    # The scheduler says "Running job …" and "executed successfully" at INFO for every run, every 5 seconds
    # for the outbox, and Alembic which plugins it set up each time it runs: only with -vv.
    chatty = logging.DEBUG if level <= logging.DEBUG else logging.WARNING
    for name in ("apscheduler", "alembic.runtime.plugins"):
        logging.getLogger(name).setLevel(chatty)
