from decimal import Decimal

from bot.domain.groups import OTHER_TEAMS, TeamFigure, merge_small_groups


def fig(team, people, units=0):
    return TeamFigure(team, people, tokens=people * 10, spend_usd=Decimal(people), work_units=Decimal(units))


def test_small_teams_merge_into_other_teams():
    rows = merge_small_groups([fig("Big", 8, 5), fig("Tiny", 2), fig("Small", 3)], 5)
    assert [(r.team, r.active_people) for r in rows] == [("Big", 8), (OTHER_TEAMS, 5)]
    assert rows[1].merged_teams == ("Tiny", "Small") and rows[1].tokens == 50


def test_a_merged_row_too_small_absorbs_the_smallest_named_team():
    rows = merge_small_groups([fig("A", 9), fig("B", 6), fig("Solo", 1)], 5)
    assert [(r.team, r.active_people) for r in rows] == [("A", 9), (OTHER_TEAMS, 7)]
    assert rows[1].merged_teams == ("Solo", "B")


def test_nothing_is_shown_when_the_whole_group_is_too_small():
    assert merge_small_groups([fig("A", 2), fig("B", 1)], 5) == []


def test_no_row_describes_fewer_than_the_minimum():
    figures = [fig(f"T{i}", i) for i in range(1, 12)]
    for minimum in range(1, 10):
        assert all(r.active_people >= minimum for r in merge_small_groups(figures, minimum))
        assert sum(r.active_people for r in merge_small_groups(figures, minimum)) in (sum(range(1, 12)),)
