"""Implementations of the `buildboard` subcommands, registered with bot.cli.command."""

from bot.commands import data, demo, digest, nudge, privacy, serve  # noqa: F401
