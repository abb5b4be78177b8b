"""ISO weeks and time zones: the calendar every report is cut by."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_WEEK = re.compile(r"^(\d{4})-?W(\d{2})$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class IsoWeek:
    """An ISO week (Monday to Sunday)."""

    year: int
    week: int

    def __post_init__(self) -> None:
        # Raises ValueError for a week the year does not have (e.g. 2026-W53).
        date.fromisocalendar(self.year, self.week, 1)

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """'2026-W47' (or '2026W47') → IsoWeek; a clear ValueError otherwise."""
        match = _WEEK.match(text.strip())
        if not match:
            raise ValueError(f"{text!r} is not an ISO week: write it like 2026-W47")
        try:
            return cls(int(match.group(1)), int(match.group(2)))
        except ValueError:
            raise ValueError(f"{text!r} is not a week of {match.group(1)}") from None

    @classmethod
    def containing(cls, day: date) -> IsoWeek:
        year, week, _ = day.isocalendar()
        return cls(year, week)

    @classmethod
    def last_complete(cls, now: datetime, zone: ZoneInfo) -> IsoWeek:
        """The most recent week that has fully ended in `zone` at `now`."""
        return cls.containing(now.astimezone(zone).date()).previous()

    @classmethod
    def current(cls, now: datetime, zone: ZoneInfo) -> IsoWeek:
        return cls.containing(now.astimezone(zone).date())

    @property
    def start(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def end(self) -> date:
        """The Sunday (inclusive)."""
        return self.start + timedelta(days=6)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(7)]

    def previous(self, weeks: int = 1) -> IsoWeek:
        return IsoWeek.containing(self.start - timedelta(weeks=weeks))

    def next(self, weeks: int = 1) -> IsoWeek:
        return IsoWeek.containing(self.start + timedelta(weeks=weeks))

    def starts_at(self, zone: ZoneInfo) -> datetime:
        return datetime.combine(self.start, time(0), tzinfo=zone)

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    def label(self) -> str:
        """'Week 47 (17–23 Nov 2026)' for people."""
        start, end = self.start, self.end
        left = f"{start.day} {start:%b}" if start.month != end.month or start.year != end.year else f"{start.day}"
        return f"Week {self.week} ({left}–{end.day} {end:%b} {end.year})"


def weeks_ending(last: IsoWeek, count: int) -> list[IsoWeek]:
    """`count` consecutive weeks ending with `last`, oldest first."""
    return [last.previous(count - 1 - i) for i in range(count)]
