"""What importing a people file would change in the org chart, and when departures need a yes.

Pure: the stored people and the file's people in, the changes out. `buildboard org import
--dry-run` shows them; the import itself refuses to mark too many people as departed at once
(a truncated or wrong file would otherwise empty the boards).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

# More than this share of the people in the org chart leaving in one import needs --allow-departures.
DEPARTURE_LIMIT_PERCENT = 20


@dataclass(frozen=True)
class OrgEntry:
    """One person's place in the org chart, as stored or as the file gives it."""

    email: str
    name: str | None
    team: str | None
    timezone: str | None
    manager_email: str | None
    in_org: bool = True


@dataclass
class OrgChanges:
    """Emails of the people the import would add, update (name, team, time zone), move and mark departed."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)  # another team or another manager
    departed: list[str] = field(default_factory=list)
    attributed: list[str] = field(default_factory=list)  # known only from unmatched usage until now
    in_org_before: int = 0

    @property
    def nothing(self) -> bool:
        return not (self.added or self.updated or self.moved or self.departed or self.attributed)


def org_changes(stored: Iterable[OrgEntry], listed: Iterable[OrgEntry]) -> OrgChanges:
    """The changes that make the stored org chart the file's (the file is the whole org chart)."""
    before = {entry.email: entry for entry in stored}
    changes = OrgChanges(in_org_before=sum(1 for entry in before.values() if entry.in_org))
    emails = set()
    for entry in listed:
        emails.add(entry.email)
        old = before.get(entry.email)
        if old is None:
            changes.added.append(entry.email)
            continue
        if old.name is None and not old.in_org:
            changes.attributed.append(entry.email)
        elif (old.name, old.team, old.timezone, old.in_org) != (entry.name, entry.team, entry.timezone, True):
            changes.updated.append(entry.email)
        if old.in_org and (old.team, old.manager_email) != (entry.team, entry.manager_email):
            changes.moved.append(entry.email)
    changes.departed = sorted(email for email, entry in before.items() if entry.in_org and email not in emails)
    return changes


def departures_need_confirmation(departing: int, in_org_before: int) -> bool:
    """True when an import would mark more than DEPARTURE_LIMIT_PERCENT of the org chart as departed."""
    return departing * 100 > in_org_before * DEPARTURE_LIMIT_PERCENT
