"""`/buildboard <subcommand> [args]`: what a subcommand is, and how the typed text is split."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.runtime import Runtime


@dataclass(frozen=True)
class CommandCall:
    """One invocation, as Slack sent it."""

    user_id: str
    team_id: str | None
    channel_id: str | None
    name: str
    args: list[str]
    raw_text: str
    trigger_id: str | None
    subcommands: Sequence[Subcommand] = field(default=(), repr=False)  # what this app answers (help lists them)


# A handler returns what to answer: a dict for respond() (text/blocks), or None when it answered itself.
Handler = Callable[[Runtime, CommandCall], dict | None]


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    handler: Handler
    answers_in_ack: bool = False  # fast and must use the ack (e.g. opening a modal needs the trigger_id at once)


def arguments_text(call: CommandCall) -> str:
    """Everything after the subcommand's name, as typed (mentions may contain spaces)."""
    parts = (call.raw_text or "").strip().split(None, 1)
    return parts[1] if len(parts) > 1 else ""


def parse(text: str) -> tuple[str, list[str]]:
    parts = (text or "").split()
    if not parts:
        return "help", []
    return parts[0].lower(), parts[1:]
