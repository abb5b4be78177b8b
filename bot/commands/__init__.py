"""Implementations of the `buildboard` subcommands, one function each; bot.cli lists them and imports the one chosen."""
