"""`/buildboard <subcommand> [args]`: one handler per subcommand, registered by name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.slack.deps import Deps


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


# A handler returns what to answer: a dict for respond() (text/blocks), or None when it answered itself.
Handler = Callable[[Deps, CommandCall, Callable], dict | None]


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    handler: Handler
    answers_in_ack: bool = False  # fast and must use the ack (e.g. opening a modal needs the trigger_id at once)


SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(name: str, usage: str, summary: str, *, answers_in_ack: bool = False):
    def register(handler: Handler) -> Handler:
        SUBCOMMANDS[name] = Subcommand(name, usage, summary, handler, answers_in_ack)
        return handler

    return register


def arguments_text(call: CommandCall) -> str:
    """Everything after the subcommand's name, as typed (mentions may contain spaces)."""
    parts = (call.raw_text or "").strip().split(None, 1)
    return parts[1] if len(parts) > 1 else ""


def parse(text: str) -> tuple[str, list[str]]:
    parts = (text or "").split()
    if not parts:
        return "help", []
    return parts[0].lower(), parts[1:]
