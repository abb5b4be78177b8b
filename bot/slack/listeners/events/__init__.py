"""Slack Events API listeners, one file per event, each with register(app, deps)."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.deps import Deps
from bot.slack.listeners.events import user_change


def register(app: App, deps: Deps) -> None:
    user_change.register(app, deps)
