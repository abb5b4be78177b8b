"""`tokens_revoked`: when the bot token is among them, stop sending and say so (as for app_uninstalled)."""

from __future__ import annotations

import logging

from slack_bolt import Ack

from bot.runtime import Runtime
from bot.slack.delivery import write_auth_error

log = logging.getLogger(__name__)


def tokens_revoked(ack: Ack, event: dict, runtime: Runtime) -> None:
    bot_tokens = (event.get("tokens") or {}).get("bot") or []
    if bot_tokens:
        write_auth_error(runtime.sessions, "tokens_revoked", runtime.clock())
    ack()
    if not bot_tokens:
        log.info("Slack revoked user tokens only; the bot token is unaffected")
        return
    log.error("Slack revoked the bot token: sending stopped until the app is reinstalled")
