"""Slack listeners, one package per kind, each with register(app, deps)."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.deps import Deps
from bot.slack.listeners import actions, commands, events, shortcuts, views

KINDS = (commands, actions, views, shortcuts, events)


def register_all(app: App, deps: Deps) -> None:
    for kind in KINDS:
        kind.register(app, deps)
