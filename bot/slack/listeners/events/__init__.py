"""Slack Events API listeners, one file per event, each with register(app, deps)."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.deps import Deps
from bot.slack.listeners.events import app_home_opened, user_change

EVENTS = (app_home_opened, user_change)


def register(app: App, deps: Deps) -> None:
    for event in EVENTS:
        event.register(app, deps)
