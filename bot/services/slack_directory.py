"""Slack ids for a whole organisation: one pass over `users.list`, matched by email.

One `users.lookupByEmail` per person, at its Tier 3 pace (about 50 a minute), takes 28 hours for
85,000 people. `users.list` gives 200 people a page at Tier 2 (about 20 pages a minute): 85,000
people are 425 pages, about 21 minutes, and a workspace larger than the people file costs only
its extra pages. The ids are written in one statement per batch at the end, each only where the
person still has none and no one else has it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Person

log = logging.getLogger(__name__)

PAGE_LIMIT = 200  # Slack's recommended most per page
TIER2_INTERVAL_S = 3.0  # users.list is Tier 2: about 20 calls a minute
DEFAULT_RETRY_AFTER_S = 30.0  # a 429 without Retry-After
MAX_RATE_LIMITED = 5  # 429 answers in a row before giving up (each waits its Retry-After)
WRITE_BATCH = 5_000

ListUsers = Callable[[str | None], Mapping[str, Any]]  # one users.list page for a cursor (None: the first)
Progress = Callable[[int, int, int], None]  # (pages read, ids found, people without an id)


@dataclass
class SlackIdReport:
    missing: int = 0  # people in the org chart without a Slack id, before
    found: int = 0
    pages: int = 0

    def summary(self) -> str:
        if not self.missing:
            return "everyone in the people file has a Slack id"
        return (
            f"found {self.found} of {self.missing} missing Slack ids by email "
            f"({self.pages} {'page' if self.pages == 1 else 'pages'} of users.list)"
        )


class DirectoryPacer:
    """Keeps calls at least `interval` seconds apart (their starts), on an injectable clock."""

    def __init__(
        self,
        interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._last: float | None = None

    def wait(self) -> None:
        if self._last is not None:
            due = self._last + self.interval - self._clock()
            if due > 0:
                self._sleep(due)
        self._last = self._clock()

    def pause(self, seconds: float) -> None:
        self._sleep(seconds)


def _retry_after(exc: SlackApiError) -> float | None:
    """Seconds Slack asked us to wait, when the answer was 429 (rate limited)."""
    response = exc.response
    if getattr(response, "status_code", None) != 429:
        return None
    headers = getattr(response, "headers", None) or {}
    value: Any = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    try:
        return max(float(value[0] if isinstance(value, list) else value), 1.0)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER_S


def slack_users_by_email(
    list_users: ListUsers, wanted: Mapping[str, int], pacer: DirectoryPacer, on_progress: Progress | None = None
) -> tuple[dict[str, tuple[str, str | None]], int]:
    """Email → (Slack id, tz) for the wanted emails, reading users.list until the end (or all are found)."""
    found: dict[str, tuple[str, str | None]] = {}
    cursor: str | None = None
    pages = 0
    limited = 0
    while True:
        pacer.wait()
        try:
            page = list_users(cursor)
        except SlackApiError as exc:
            wait = _retry_after(exc)
            if wait is None or limited >= MAX_RATE_LIMITED:
                raise
            limited += 1
            log.info("users.list rate limited: waiting %.0f s", wait)
            pacer.pause(wait)
            continue
        limited = 0
        pages += 1
        for member in page.get("members") or []:
            if member.get("deleted") or member.get("is_bot") or not member.get("id"):
                continue
            email = str((member.get("profile") or {}).get("email") or "").strip().lower()
            if email in wanted and email not in found:
                found[email] = (str(member["id"]), member.get("tz") or None)
        if on_progress is not None:
            on_progress(pages, len(found), len(wanted))
        cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
        if not cursor or len(found) == len(wanted):
            return found, pages


def resolve_slack_ids_from_directory(
    sessions: sessionmaker[Session],
    list_users: ListUsers,
    *,
    pacer: DirectoryPacer | None = None,
    on_progress: Progress | None = None,
) -> SlackIdReport:
    """Find the Slack ids of everyone in the org chart who has none, in one pass over users.list."""
    report = SlackIdReport()
    with sessions() as session:
        wanted: dict[str, int] = {
            email: person_id
            for email, person_id in session.execute(
                select(Person.email, Person.id).where(
                    Person.in_org.is_(True), Person.slack_user_id.is_(None), Person.email.is_not(None)
                )
            )
            if email is not None
        }
    report.missing = len(wanted)
    if not wanted:
        return report
    found, report.pages = slack_users_by_email(
        list_users, wanted, pacer or DirectoryPacer(TIER2_INTERVAL_S), on_progress
    )
    with sessions.begin() as session:
        # An id another row already holds (a stale row, a mistake in the file) is left alone.
        taken = set(session.scalars(select(Person.slack_user_id).where(Person.slack_user_id.is_not(None))))
        rows = [
            {"person": wanted[email], "slack_id": slack_id, "tz": tz}
            for email, (slack_id, tz) in found.items()
            if slack_id not in taken
        ]
        statement = (
            update(Person)
            .where(Person.id == bindparam("person"), Person.slack_user_id.is_(None))
            .values(
                slack_user_id=bindparam("slack_id"),
                slack_timezone=func.coalesce(bindparam("tz"), Person.slack_timezone),
            )
        )
        connection = session.connection()
        for start in range(0, len(rows), WRITE_BATCH):
            connection.execute(statement, rows[start : start + WRITE_BATCH])
        report.found = len(rows)
    return report
