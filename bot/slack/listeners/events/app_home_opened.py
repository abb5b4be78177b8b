"""`app_home_opened`: publish the person's App Home."""

from __future__ import annotations

from bot.runtime import Runtime
from bot.slack.listeners.share_ui import publish_home


def app_home_opened(event: dict, runtime: Runtime) -> None:
    if event.get("tab", "home") != "home":
        return  # the Messages tab: nothing to publish
    publish_home(runtime, event["user"])
