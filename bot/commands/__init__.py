"""Implementations of the `buildboard` subcommands, registered with bot.cli.command."""

from bot.commands import data, demo, digest, estimates, nudge, outbox, privacy, serve, sync  # noqa: F401
