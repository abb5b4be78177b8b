"""What listeners and jobs are given: collaborators created once and injected."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.web import SlackResponse
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

    def lookup_user(self, slack_user_id: str) -> SlackResponse:
        """Slack's users.info for one user: how a caller not yet linked to a person is found by email."""
        return self.client.users_info(user=slack_user_id)
