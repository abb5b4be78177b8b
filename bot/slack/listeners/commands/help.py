"""`/buildboard help` (and anything unknown)."""

from __future__ import annotations

from bot.slack.blocks.text import context, section
from bot.slack.listeners.commands.router import SUBCOMMANDS, subcommand


def help_answer(unknown: str | None = None) -> dict:
    lines = [f"`/buildboard {c.usage}` — {c.summary}" for c in SUBCOMMANDS.values()]
    intro = "*Buildboard* shows what the organisation builds with AI, not just what it spends."
    if unknown:
        intro = f"I don't know `{unknown[:40]}`. Here is what I can do:"
    blocks = [
        section(intro),
        section("\n".join(lines)),
        context("Only you can see these answers. Your manager sees your numbers; nobody else does."),
    ]
    return {"text": "Buildboard commands", "blocks": blocks}


@subcommand("help", "help", "this list", answers_in_ack=True)
def show_help(deps, call, respond):
    return help_answer()
