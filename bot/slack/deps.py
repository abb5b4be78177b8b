"""What listeners and jobs are given: collaborators created once and injected."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.clock import Clock, system_clock
from bot.settings import Settings


@dataclass
class Deps:
    settings: Settings
    sessions: sessionmaker[Session]
    client: WebClient
    clock: Clock = system_clock
    llm: Any = None  # bot.llm client wrapper; None = features degrade gracefully
    extras: dict[str, Any] = field(default_factory=dict)
