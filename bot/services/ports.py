"""The outside world as services see it: interfaces they are given, implemented by adapters (bot/slack/).

Services queue message intents in the outbox (bot/services/outbox.py) inside their own
transaction, then ask a `MessageSender` to deliver those keys; the adapter renders each intent
when it sends. Nothing here knows Slack.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # annotations only: a service that imports a port does not load every domain module with it
    from bot.domain.chart import Chart
    from bot.domain.delivery import DeliveryReport, HeldClaims
    from bot.domain.evidence import PullRequestFacts
    from bot.domain.nudges import AnsweredNudgeDms


class MessageSender(Protocol):
    """Delivers due outbox rows exactly once (paced, retried, reconciled)."""

    def send_due(self, *, limit: int = 10_000, keys: Sequence[str] | None = None) -> DeliveryReport: ...

    def send_all(
        self, keys: Sequence[str], *, on_wait: Callable[[HeldClaims], object] | None = None, max_wait: float = 900.0
    ) -> DeliveryReport:
        """Every due row of `keys`, waiting for (or releasing) the claims of a sender that stalled or died."""
        ...


class NudgeDms(Protocol):
    """Rewrites a person's nudge DMs in place once they answered; returns how many were rewritten."""

    def show_answer(self, dms: AnsweredNudgeDms) -> int: ...


class PostRemover(Protocol):
    """Deletes a message the bot posted; True when it is gone (deleted now, or already gone)."""

    def delete_post(self, channel: str, ts: str) -> bool: ...


class PullRequestSource(Protocol):
    """Merged pull requests of the organisation (GitHub): windows small enough to read whole, then each window."""

    def windows(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]: ...

    def fetch(self, window: tuple[datetime, datetime]) -> list[PullRequestFacts]: ...


class ChartRenderer(Protocol):
    """Draws a chart as PNG bytes."""

    def render(self, chart: Chart) -> bytes: ...


class PrivateFiles(Protocol):
    """Uploads a file that is shared in no channel (only what the bot shows it in reveals it); returns its id."""

    def upload(self, *, filename: str, content: bytes, title: str, alt_text: str) -> str: ...
