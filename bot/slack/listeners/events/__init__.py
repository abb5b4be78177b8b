"""Slack Events API listeners, one file per event."""

from __future__ import annotations

from slack_bolt import App

from bot.runtime import Runtime
from bot.slack.listeners.binding import with_runtime
from bot.slack.listeners.events.app_home_opened import app_home_opened
from bot.slack.listeners.events.app_uninstalled import app_uninstalled
from bot.slack.listeners.events.tokens_revoked import tokens_revoked
from bot.slack.listeners.events.user_change import user_change


def register(app: App, runtime: Runtime) -> None:
    app.event("app_home_opened")(with_runtime(app_home_opened, runtime))
    app.event("user_change")(with_runtime(user_change, runtime))
    app.event("app_uninstalled")(with_runtime(app_uninstalled, runtime))
    app.event("tokens_revoked")(with_runtime(tokens_revoked, runtime))
