"""`/buildboard help` (and anything unknown): the subcommands, in the table's order."""

from __future__ import annotations

from collections.abc import Sequence

from bot.runtime import Runtime
from bot.slack.blocks.text import context, section
from bot.slack.listeners.commands.router import CommandCall, Subcommand


def help_answer(subcommands: Sequence[Subcommand], unknown: str | None = None) -> dict:
    lines = [f"`/buildboard {c.usage}` — {c.summary}" for c in subcommands]
    intro = "*Buildboard* shows what the organisation builds with AI, not just what it spends."
    if unknown:
        intro = f"I don't know `{unknown[:40]}`. Here is what I can do:"
    blocks = [
        section(intro),
        section("\n".join(lines)),
        context("Only you can see these answers. Your manager sees your numbers; nobody else does."),
    ]
    return {"text": "Buildboard commands", "blocks": blocks}


def show_help(runtime: Runtime, call: CommandCall) -> dict:
    return help_answer(call.subcommands)
