"""`app_uninstalled` and `tokens_revoked`: the bot token is gone, so stop sending and say so.

The verdict is stored as the same app_state `slack_auth_error` the outbox sender sets when Slack
answers invalid_auth: the sender stops, /healthz shows it, and the auth.test probe clears it once
the app is reinstalled and SLACK_BOT_TOKEN holds a working token.
"""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.slack.delivery import write_auth_error
from bot.slack.deps import Deps

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    @app.event("app_uninstalled")
    def app_uninstalled(ack, event):
        write_auth_error(deps.sessions, "app_uninstalled", deps.clock())  # before ack: a quick write
        ack()
        log.error("Slack says the app was uninstalled: sending stopped until it is reinstalled")

    @app.event("tokens_revoked")
    def tokens_revoked(ack, event):
        bot_tokens = (event.get("tokens") or {}).get("bot") or []
        if bot_tokens:
            write_auth_error(deps.sessions, "tokens_revoked", deps.clock())
        ack()
        if not bot_tokens:
            log.info("Slack revoked user tokens only; the bot token is unaffected")
            return
        log.error("Slack revoked the bot token: sending stopped until the app is reinstalled")
