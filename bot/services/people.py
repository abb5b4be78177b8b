"""The org chart: importing the people file and finding people's Slack ids."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from bot.db.models import Person
from bot.domain.org_changes import OrgChanges, OrgEntry, org_changes
from bot.ingest.people_store import write_people
from bot.ingest.records import PersonRecord, SeatRecord
from bot.ingest.seat_prices import SeatPrices
from bot.services.seats import PEOPLE_FILE, record_seats

log = logging.getLogger(__name__)


@dataclass
class PeopleImportReport:
    added: int = 0
    updated: int = 0
    moved: int = 0  # changed manager or team
    departed: int = 0
    matched_usage: int = 0  # unmatched provider identities that are now known people
    missing_slack_ids: list[int] = field(default_factory=list)
    seats: int = 0  # seats the file's `seats` column lists
    seats_ended: int = 0

    def summary(self) -> str:
        if not (self.added or self.updated or self.moved or self.departed or self.matched_usage):
            return "nothing changed"
        parts = [f"{self.added} added", f"{self.updated} updated", f"{self.moved} moved", f"{self.departed} departed"]
        if self.matched_usage:
            parts.append(f"{self.matched_usage} earlier unmatched usage identities attributed")
        if self.seats or self.seats_ended:
            parts.append(f"{self.seats} seats" + (f", {self.seats_ended} seats ended" if self.seats_ended else ""))
        return ", ".join(parts)


def import_people(
    session: Session, records: list[PersonRecord], *, now: datetime, seat_prices: SeatPrices | None = None
) -> PeopleImportReport:
    """Make the people table match the file (the whole org chart), inside the caller's transaction.

    With a `seats` column, the file is the list of seats of tools without an API (source `people_file`),
    held from the import day; a seat the file no longer lists is ended.
    """
    counts = write_people(session, records, now=now)
    report = PeopleImportReport(
        added=counts.added,
        updated=counts.updated,
        moved=counts.moved,
        departed=counts.departed,
        matched_usage=counts.matched_usage,
        missing_slack_ids=counts.missing_slack_ids,
    )
    if any(record.seats is not None for record in records):
        prices = seat_prices or SeatPrices.load()
        held = [
            SeatRecord(email=record.email, tool=plan.tool, plan=plan.key)
            for record in records
            for plan in (prices.plan(key) for key in record.seats or ())
            if plan is not None
        ]
        today = now.astimezone(UTC).date()
        recorded = record_seats(
            session,
            held,
            source=PEOPLE_FILE,
            prices=prices,
            held_since=today,
            today=today,
            now=now,
            tools={plan.tool for plan in prices.plans.values()},
        )
        report.seats, report.seats_ended = recorded.held, recorded.ended
    return report


def planned_org_changes(session: Session, records: list[PersonRecord]) -> OrgChanges:
    """What `import_people` would change, read without writing (a dry run)."""
    manager = aliased(Person)
    # Only people with an email are selected; `or ""` is for the type checker.
    stored = (
        OrgEntry(email or "", name, team, timezone, manager_email, in_org)
        for email, name, team, timezone, manager_email, in_org in session.execute(
            select(Person.email, Person.name, Person.team, Person.timezone, manager.email, Person.in_org)
            .outerjoin(manager, manager.id == Person.manager_id)
            .where(Person.email.is_not(None))
        )
    )
    listed = (OrgEntry(r.email, r.name, r.team, r.timezone, r.manager_email) for r in records)
    return org_changes(stored, listed)


def departures(session: Session, records: list[PersonRecord]) -> tuple[int, int]:
    """How many people of the org chart the file leaves out, and how many the org chart holds now."""
    in_org = set(session.scalars(select(Person.email).where(Person.in_org.is_(True), Person.email.is_not(None))))
    listed = {r.email for r in records}
    return len(in_org - listed), len(in_org)
