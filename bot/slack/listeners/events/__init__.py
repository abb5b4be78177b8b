"""Events: App Home, and one module per other event type (each with register(app, deps))."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.deps import Deps
from bot.slack.listeners.events import user_change
from bot.slack.listeners.share_ui import publish_home

EVENTS = (user_change,)


def register(app: App, deps: Deps) -> None:
    @app.event("app_home_opened")
    def home_opened(event):
        if event.get("tab", "home") != "home":
            return  # the Messages tab: nothing to publish
        publish_home(deps, event["user"])

    for event_module in EVENTS:
        event_module.register(app, deps)
