"""`app_home_opened`: publish the person's App Home."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.deps import Deps
from bot.slack.listeners.share_ui import publish_home


def register(app: App, deps: Deps) -> None:
    @app.event("app_home_opened")
    def home_opened(event):
        if event.get("tab", "home") != "home":
            return  # the Messages tab: nothing to publish
        publish_home(deps, event["user"])
