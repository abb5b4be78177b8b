"""`app_uninstalled`: the bot token is gone, so stop sending and say so.

The verdict is stored as the same app_state `slack_auth_error` the outbox sender sets when Slack
answers invalid_auth: the sender stops, /healthz shows it, and the auth.test probe clears it once
the app is reinstalled and SLACK_BOT_TOKEN holds a working token.
"""

from __future__ import annotations

import logging

from slack_bolt import Ack

from bot.runtime import Runtime
from bot.slack.delivery import write_auth_error

log = logging.getLogger(__name__)


def app_uninstalled(ack: Ack, event: dict, runtime: Runtime) -> None:
    write_auth_error(runtime.sessions, "app_uninstalled", runtime.clock())  # before ack: a quick write
    ack()
    log.error("Slack says the app was uninstalled: sending stopped until it is reinstalled")
