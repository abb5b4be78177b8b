"""Implementations of the `buildboard` subcommands, registered with bot.cli.command."""

from bot.commands import data, demo, digest, estimates, nudge, serve  # noqa: F401
