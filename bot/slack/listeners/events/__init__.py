"""Slack events (Events API), one module per event type, each with register(app, deps)."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.deps import Deps
from bot.slack.listeners.events import user_change

EVENTS = (user_change,)


def register(app: App, deps: Deps) -> None:
    for event in EVENTS:
        event.register(app, deps)
