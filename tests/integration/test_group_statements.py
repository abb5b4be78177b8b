"""A team report's figures statement is built once per kind of group and run with each group's own parameters.

The statement behind a report's lines and totals (bot/services/team.py: _period_statement) is kept per weeks,
kind of group, cap and database, and a group's members are bind parameters (GROUP_ROOT, GROUP_TEAM_KEY). Checked
here: a report computed with a statement first built for another group equals the same report computed with
a statement built for it alone, for managers' trees and for teams, and differs from the other group's.
"""

from __future__ import annotations

import pytest

from bot.domain.periods import IsoWeek, weeks_ending
from bot.services.team import Group, _period_statement, group_figures
from tests.conftest import NOW
from tests.support.organisation import load_branches

LAST = IsoWeek.containing(NOW.date()).previous()  # 2026-W47, the branches' usage


def _figures(sessions, group: Group):
    with sessions() as session:
        figures = group_figures(session, weeks_ending(LAST, 2), weeks_ending(LAST.previous(2), 2), group, cap=3)
    return sorted((line.person_id, line.stats) for line in figures.lines), figures.totals, figures.previous


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
    _period_statement.cache_clear()
    alone = _figures(sessions, then(ids))  # its statement built for it
    _period_statement.cache_clear()
    other = _figures(sessions, first(ids))  # the statement built for the first group …
    hits = _period_statement.cache_info().hits
    reused = _figures(sessions, then(ids))  # … and run for the second
    assert _period_statement.cache_info().hits > hits  # it was reused, not built again
    assert reused == alone
    assert reused != other
    assert alone[0], "the group has lines: the comparison says something"
