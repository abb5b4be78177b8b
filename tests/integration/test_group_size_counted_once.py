"""A group resolved from a count carries that count, so its report does not count its people again.

Resolving `/buildboard team` counts the people below the manager (or in the team) to refuse an empty group; the
report asks the group's size again on PostgreSQL, to decide whether to read parts of it aside.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event

from bot.domain.command_args import Target
from bot.domain.periods import IsoWeek
from bot.services.authority import Viewer
from bot.services.team import Group, group_size, resolve_group, team_report
from tests.conftest import NOW
from tests.support.organisation import load_branches

LAST = IsoWeek.containing(NOW.date()).previous()  # 2026-W47, the branches' usage


@pytest.mark.parametrize(
    ("viewer", "target", "people"),
    [
        ("alice", Target(), 7),  # everyone below the CEO
        ("victor", Target(), 3),  # bob and his two reports
        ("alice", Target(user_id="U0ERIN"), 1),  # frank
        ("alice", Target(team_name="platform"), 3),  # bob, carol, dan
    ],
)
def test_a_resolved_group_carries_its_own_headcount(sessions, viewer, target, people):
    """The count that decided the group exists is the count of its members (not, say, of direct reports only)."""
    ids = load_branches(sessions)
    with sessions() as session:
        group, refusal = resolve_group(session, Viewer(ids[viewer], False), target)
        assert refusal is None and group is not None
        uncounted = Group(group.kind, group.label, group.root_id, group.team_key)  # the same group, size not known
        assert uncounted.size is None
        assert group.size == group_size(session, uncounted) == people


@pytest.mark.postgres_only
def test_a_managers_report_counts_their_people_once(sessions, settings, engine):
    """Resolving the group counts everyone below the manager; the report (which asks the size to decide whether to
    read aside on PostgreSQL) does not count them again."""
    ids = load_branches(sessions)
    counts: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("SELECT count(*)") and "org_closure" in statement:  # a headcount, nothing else
            counts.append(statement)

    with sessions() as session:
        event.listen(engine, "before_cursor_execute", record)
        try:
            group, _ = resolve_group(session, Viewer(ids["alice"], False), Target())
            assert group is not None
            team_report(session, group, LAST, 2, settings, today=date(2026, 11, 22))
        finally:
            event.remove(engine, "before_cursor_execute", record)
    assert len(counts) == 1, counts
