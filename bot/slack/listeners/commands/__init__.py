"""The `/buildboard` slash command: one listener that answers the subcommands of table.SUBCOMMANDS."""

from __future__ import annotations

from collections.abc import Sequence

from slack_bolt import App

from bot.runtime import Runtime
from bot.slack.listeners.binding import with_runtime
from bot.slack.listeners.commands.buildboard_command import buildboard_command
from bot.slack.listeners.commands.router import Subcommand


def register(app: App, runtime: Runtime, subcommands: Sequence[Subcommand]) -> None:
    app.command("/buildboard")(with_runtime(buildboard_command, runtime, subcommands=tuple(subcommands)))
