"""The Bolt app: created here, listeners registered by kind, served over HTTP or Socket Mode."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import Executor

from slack_bolt import App
from slack_sdk import WebClient

from bot.runtime import Runtime
from bot.slack.identity import SlackIdentity
from bot.slack.listeners import register_all
from bot.slack.listeners.commands.router import Subcommand
from bot.slack.listeners.commands.table import SUBCOMMANDS


class _NoTokenWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment itself and then warns that our client (built without a
    token, see below) wins over it: true, intended, and not worth an operator's attention."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def _bolt_logger() -> logging.Logger:
    logger = logging.getLogger("bot.slack.bolt")
    if not any(isinstance(f, _NoTokenWarning) for f in logger.filters):
        logger.addFilter(_NoTokenWarning())
    return logger


def create_app(
    runtime: Runtime,
    *,
    listener_executor: Executor | None = None,
    subcommands: Sequence[Subcommand] = SUBCOMMANDS,
    identity: SlackIdentity | None = None,
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
    client = runtime.slack
    identity = identity or SlackIdentity(client)

    def authorize(enterprise_id: str | None, team_id: str | None, user_id: str | None):
        # A plain function: Bolt passes arguments by the names it finds in the signature.
        return identity.authorize(enterprise_id, team_id, user_id)

    app = App(
        # Without its token: `authorize` gives each request the bot token (Bolt warns when both are given).
        client=WebClient(
            base_url=client.base_url,
            timeout=client.timeout,
            headers=client.headers,
            logger=client.logger,
            retry_handlers=client.retry_handlers,
        ),
        # Not Bolt's auth.test middleware: an unreachable Slack would turn every command's ack into a 500.
        authorize=authorize,
        signing_secret=signing_secret or "socket-mode-has-no-signing-secret",
        request_verification_enabled=signing_secret is not None,
        logger=_bolt_logger(),
        # Where listeners run after ack(); passing one lets the owner wait for them on shutdown.
        listener_executor=listener_executor,
    )
    register_all(app, runtime, subcommands)
    return app
