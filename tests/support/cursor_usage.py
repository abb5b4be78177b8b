"""A small Cursor team for the sync tests: members, usage events and daily usage data around NOW (2026-11-25)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.fakes.cursor_admin import DailyUsage, FakeCursorAdmin, Member, UsageEvent

D20, D21, D22 = date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22)


def fill_cursor(fake: FakeCursorAdmin) -> None:
    fake.members = [
        Member("bob@example.com"),
        Member("Carol@Example.com"),  # emails are matched case-insensitively
        Member("dan@example.com"),  # holds a seat, never uses it
        Member("gone@example.com", is_removed=True),
        Member("newbie@example.com"),  # not in the people file: kept as unmatched
    ]
    fake.events = [
        UsageEvent(D20, "bob@example.com", "claude-4-sonnet", 1000, 500, 2000, 300, total_cents=Decimal("12.3456")),
        UsageEvent(
            D20, "bob@example.com", "claude-4-sonnet", 10, 5, total_cents=Decimal("0.5"), charged_cents=Decimal("0.75")
        ),
        # Included in the plan: the seat pays for it, so it costs nothing on top of the seat.
        UsageEvent(
            D21, "carol@example.com", "gpt-5", 4000, 1000, total_cents=Decimal("40"), kind="Included in Business"
        ),
        UsageEvent(D21, "carol@example.com", "gpt-5", 100, 100, total_cents=Decimal("2"), charged_cents=Decimal("1.1")),
        UsageEvent(D22, "newbie@example.com", "o3", 50, 50, total_cents=Decimal("5")),
        UsageEvent(D22, None, "o3", 30, 30, total_cents=Decimal("3")),  # a background agent with no user
    ]
    fake.daily = [
        DailyUsage(
            D20, "bob@example.com", accepted_lines_added=120, agent_requests=7, composer_requests=2, chat_requests=3
        ),
        DailyUsage(D21, "carol@example.com", accepted_lines_added=40, agent_requests=1),
        DailyUsage(D20, "dan@example.com", is_active=False),  # a member's idle day: no row
    ]
