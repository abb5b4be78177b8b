"""Arguments of `/buildboard team|user|export`: mentions, team names and a number of weeks. Pure parsing."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.text import escape

MAX_WEEKS = 12
# should_escape: true → `<@U123|name>`; a bare `<@U123>` is accepted too.
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_ANY_MENTION = re.compile(r"<[@#!][^>]*>")
_NUMBER = re.compile(r"^[+-]?\d+$")


class ArgumentProblem(ValueError):
    """Arguments that cannot be understood; the message says what to type instead."""


@dataclass(frozen=True)
class Target:
    """Whom a command is about: a Slack user (`user_id`), a team by name, or neither (the caller's own)."""

    user_id: str | None = None
    team_name: str | None = None

    @property
    def is_default(self) -> bool:
        return self.user_id is None and self.team_name is None


def mention_id(text: str) -> str | None:
    """`<@U123|name>` or `<@U123>` → "U123"; None for anything else."""
    match = _MENTION.match(text.strip())
    return match.group(1) if match else None


def parse_weeks(text: str) -> int:
    if not _NUMBER.match(text):
        raise ArgumentProblem(
            f"`{escape(text[:20])}` is not a number of weeks: give a whole number from 1 to {MAX_WEEKS}."
        )
    weeks = int(text)
    if not 1 <= weeks <= MAX_WEEKS:
        raise ArgumentProblem(f"I can show 1 to {MAX_WEEKS} weeks at a time, not {weeks}.")
    return weeks


DEFAULT_TEAM_WEEKS = 1  # `/buildboard team` and `user` without a number of weeks: the last complete week


def parse_target_and_weeks(text: str, *, default_weeks: int = DEFAULT_TEAM_WEEKS) -> tuple[Target, int]:
    """`[@manager | team name] [weeks]` → (Target, weeks). A trailing whole number is the week count."""
    words = text.split()
    weeks = default_weeks
    if words and _NUMBER.match(words[-1]):
        weeks = parse_weeks(words.pop())
    rest = " ".join(words).strip()
    if not rest:
        return Target(), weeks
    user_id = mention_id(rest)
    if user_id:
        return Target(user_id=user_id), weeks
    if _ANY_MENTION.search(rest) or rest.startswith("@"):
        raise ArgumentProblem(
            "Mention one person (pick them from the @ list so Slack sends a mention), or give a team name."
        )
    if len(rest) > 200:
        raise ArgumentProblem("That team name is too long: team names come from the people file.")
    return Target(team_name=rest), weeks


def parse_person(text: str) -> tuple[str, int | None]:
    """`@person [weeks]` → (Slack user id, weeks or None)."""
    words = text.split()
    weeks = None
    if len(words) > 1 and _NUMBER.match(words[-1]):
        weeks = parse_weeks(words.pop())
    user_id = mention_id(" ".join(words)) if words else None
    if user_id is None:
        raise ArgumentProblem("Mention one person, like `/buildboard user @name` (pick them from the @ list).")
    return user_id, weeks
