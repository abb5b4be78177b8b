"""A team report's statements are built once per kind of group and run with each group's own parameters.

The statements behind a report's lines and totals (bot/services/team.py: _period_statement) and its code and
seat totals (_code_and_seat_statement) are kept per period and kind of group, and a group's members are bind
parameters (GROUP_ROOT, GROUP_TEAM_KEY). Checked here: figures computed with a statement first built for another
group equal the same figures computed with a statement built for them alone, for managers' trees, teams and
one person, and differ from the other group's. The flags' read (_flag_statement) is checked the same way in
test_team_large_group.py, whose random organisation has people to flag.
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.db.models import CodeActivityDaily
from bot.domain.periods import IsoWeek, weeks_ending
from bot.services.team import Group, _code_and_seat_statement, _period_statement, code_and_seat_totals, group_figures
from tests.conftest import NOW
from tests.support.organisation import load_branches

LAST = IsoWeek.containing(NOW.date()).previous()  # 2026-W47, the branches' usage


def _figures(sessions, group: Group):
    period = weeks_ending(LAST, 2)
    with sessions() as session:
        figures = group_figures(session, period, weeks_ending(LAST.previous(2), 2), group, cap=3)
        code = code_and_seat_totals(session, period, group, LAST.end)
    return sorted((row.person_id, row.stats()) for row in figures.rows), figures.totals, figures.previous, code


def _clear() -> None:
    _period_statement.cache_clear()
    _code_and_seat_statement.cache_clear()


def _code_activity(sessions, ids) -> None:
    """Commits by each person (their id's worth), so every group's code totals differ."""
    with sessions.begin() as session:
        for person_id in ids.values():
            session.add(
                CodeActivityDaily(
                    person_id=person_id,
                    day=date(2026, 11, 18),
                    provider="claude_code",
                    commits=person_id,
                    updated_at=NOW,
                )
            )


@pytest.mark.parametrize(
    ("first", "then"),
    [
        (lambda ids: Group.tree(ids["alice"], "alice"), lambda ids: Group.tree(ids["bob"], "bob")),
        (lambda ids: Group.tree(ids["bob"], "bob"), lambda ids: Group.tree(ids["erin"], "erin")),
        (lambda ids: Group.team("platform", "Platform"), lambda ids: Group.team("research", "Research")),
        (lambda ids: Group.person(ids["carol"], "carol"), lambda ids: Group.person(ids["frank"], "frank")),
    ],
)
def test_a_statement_built_for_one_group_answers_for_another_of_its_kind(sessions, first, then):
    ids = load_branches(sessions)
    _code_activity(sessions, ids)
    _clear()
    alone = _figures(sessions, then(ids))  # its statements built for it
    _clear()
    other = _figures(sessions, first(ids))  # the statements built for the first group …
    hits = (_period_statement.cache_info().hits, _code_and_seat_statement.cache_info().hits)
    reused = _figures(sessions, then(ids))  # … and run for the second
    # Both were reused, not built again.
    assert _period_statement.cache_info().hits > hits[0] and _code_and_seat_statement.cache_info().hits > hits[1]
    assert reused == alone
    assert reused[0] != other[0] and reused[3] != other[3]
    assert alone[0] and alone[3].commits, "the group has lines and commits: the comparison says something"
