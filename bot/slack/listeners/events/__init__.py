"""Slack Events API listeners: one module per event family, each with register(app, deps)."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.deps import Deps
from bot.slack.listeners.events import uninstalled

MODULES = (uninstalled,)


def register(app: App, deps: Deps) -> None:
    for module in MODULES:
        module.register(app, deps)
