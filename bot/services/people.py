"""The org chart: importing the people file and finding people's Slack ids."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Person
from bot.db.value_sets import in_values
from bot.ingest.people_store import write_people
from bot.ingest.records import PersonRecord

log = logging.getLogger(__name__)


@dataclass
class PeopleImportReport:
    added: int = 0
    updated: int = 0
    moved: int = 0  # changed manager or team
    departed: int = 0
    matched_usage: int = 0  # unmatched provider identities that are now known people
    missing_slack_ids: list[int] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{self.added} added", f"{self.updated} updated", f"{self.moved} moved", f"{self.departed} departed"]
        if self.matched_usage:
            parts.append(f"{self.matched_usage} earlier unmatched usage identities attributed")
        return ", ".join(parts)


def import_people(session: Session, records: list[PersonRecord], *, now: datetime) -> PeopleImportReport:
    """Make the people table match the file (the whole org chart), inside the caller's transaction."""
    counts = write_people(session, records, now=now)
    return PeopleImportReport(
        added=counts.added,
        updated=counts.updated,
        moved=counts.moved,
        departed=counts.departed,
        matched_usage=counts.matched_usage,
        missing_slack_ids=counts.missing_slack_ids,
    )


SlackLookup = Callable[[str], dict[str, Any]]


def resolve_slack_ids(session: Session, person_ids: list[int], lookup_by_email: SlackLookup) -> int:
    """Find Slack ids with users.lookupByEmail and remember them; returns how many were found."""
    found = 0
    for person in session.scalars(select(Person).where(in_values(Person.id, person_ids))):
        if person.slack_user_id or not person.email:
            continue
        try:
            answer = lookup_by_email(person.email)
        except SlackApiError as exc:
            if exc.response.get("error") == "users_not_found":
                continue
            raise
        user = answer.get("user") or {}
        if user.get("id"):
            person.slack_user_id = user["id"]
            person.slack_timezone = user.get("tz") or person.slack_timezone
            found += 1
    return found
