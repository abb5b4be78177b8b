"""Slack listeners: one package per kind, one typed callback per file, each kind wired in its register()."""

from __future__ import annotations

from collections.abc import Sequence

from slack_bolt import App

from bot.runtime import Runtime
from bot.slack.listeners import actions, commands, events, shortcuts, views
from bot.slack.listeners.commands.router import Subcommand


def register_all(app: App, runtime: Runtime, subcommands: Sequence[Subcommand]) -> None:
    """Register every listener; `/buildboard` answers `subcommands`, which its help lists in that order."""
    commands.register(app, runtime, subcommands)
    actions.register(app, runtime)
    views.register(app, runtime)
    shortcuts.register(app, runtime)
    events.register(app, runtime)
