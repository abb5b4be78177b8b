"""What every usage source produces before it is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple


@dataclass(slots=True)
class UsageRecord:
    """One identity's use of one model on one day. `cost_usd` None: price it from the table."""

    day: date
    email: str
    provider: str
    model: str
    input_tokens: int  # includes cached input
    output_tokens: int
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0
    requests: int = 0
    cost_usd: Decimal | None = None
    line: int = 0  # where it came from, for error messages


@dataclass(slots=True)
class CodeActivityRecord:
    """A coding agent's output signals for one person and day."""

    day: date
    email: str
    provider: str
    sessions: int = 0
    lines_added: int = 0
    lines_removed: int = 0
    commits: int = 0
    pull_requests: int = 0
    agent_requests: int = 0  # Cursor: agent, composer and chat requests
    composer_requests: int = 0
    chat_requests: int = 0


@dataclass(slots=True)
class SeatRecord:
    """Someone holds a seat of a tool, as a provider's list (or the people file) says.

    `plan` None: the seats file's first plan for the tool. `last_active_day`: the provider's own figure
    where it gives one (Copilot's `last_activity_at`).
    """

    email: str
    tool: str
    plan: str | None = None
    last_active_day: date | None = None


class PersonRecord(NamedTuple):
    """One person of the people file. A tuple: a people file of 85,000 makes 85,000 of them at once."""

    line: int
    email: str
    name: str
    team: str
    manager_email: str | None
    slack_user_id: str | None
    timezone: str | None
    # Plans of the seats file this person holds a seat of (the `seats` column, `;`-separated);
    # None when the file has no `seats` column (seats from the people file are then left as they are).
    seats: tuple[str, ...] | None = None
    github_login: str | None = None  # lower case; matches merged pull requests to the person
