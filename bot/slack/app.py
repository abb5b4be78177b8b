"""The Bolt app: created here, listeners registered by kind, served over HTTP or Socket Mode."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import Executor

from slack_bolt import App

from bot.runtime import Runtime
from bot.slack.listeners import register_all
from bot.slack.listeners.commands.router import Subcommand
from bot.slack.listeners.commands.table import SUBCOMMANDS


def create_app(
    runtime: Runtime,
    *,
    listener_executor: Executor | None = None,
    subcommands: Sequence[Subcommand] = SUBCOMMANDS,
) -> App:
    """A Bolt app wired to `runtime`. Needs SLACK_SIGNING_SECRET (HTTP) and SLACK_BOT_TOKEN."""
    settings = runtime.settings
    if settings.slack_bot_token is None:
        raise ValueError("SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…) from the Slack app")
    signing_secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    if signing_secret is None and settings.slack_app_token is None:
        raise ValueError(
            "SLACK_SIGNING_SECRET is not set: copy it from the Slack app's Basic Information page "
            "(or set SLACK_APP_TOKEN for Socket Mode)"
        )
    app = App(
        client=runtime.slack,
        signing_secret=signing_secret or "socket-mode-has-no-signing-secret",
        token_verification_enabled=False,  # do not fail start-up when Slack is briefly unreachable
        request_verification_enabled=signing_secret is not None,
        logger=logging.getLogger("bot.slack.bolt"),
        # Where listeners run after ack(); passing one lets the owner wait for them on shutdown.
        listener_executor=listener_executor,
    )
    register_all(app, runtime, subcommands)
    return app
