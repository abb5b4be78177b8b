"""`/buildboard help` (and anything unknown): the subcommands, in the table's order."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.privacy import who_sees_your_numbers
from bot.runtime import Runtime
from bot.slack.blocks.text import context, section
from bot.slack.listeners.commands.router import CommandCall, Subcommand


def help_answer(subcommands: Sequence[Subcommand], unknown: str | None = None, *, spend_public: bool = False) -> dict:
    lines = [f"`/buildboard {c.usage}` — {c.summary}" for c in subcommands]
    intro = "*Buildboard* shows what the organisation builds with AI, not just what it spends."
    if unknown:
        intro = f"I don't know `{unknown[:40]}`. Here is what I can do:"
    blocks = [
        section(intro),
        section("\n".join(lines)),
        context(f"Only you can see these answers. {who_sees_your_numbers(spend_public)}"),
    ]
    return {"text": "Buildboard commands", "blocks": blocks}


def show_help(runtime: Runtime, call: CommandCall) -> dict:
    return help_answer(call.subcommands, spend_public=runtime.settings.spend_public)
