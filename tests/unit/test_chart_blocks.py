"""Where charts appear in Block Kit: App Home's image block, the team answer's Chart button."""

from decimal import Decimal

import pytest

from bot.demo.standin.block_kit_limits import block_errors
from bot.domain.chart import WeekFigures, chart_alt_text, chart_weeks, personal_chart
from bot.domain.command_args import Target
from bot.domain.periods import IsoWeek
from bot.domain.reports import Home
from bot.slack.blocks.home import home_view
from bot.slack.blocks.team import chart_actions, chart_button_value, target_from_chart_button

W48 = IsoWeek(2026, 48)


def home(trend=True) -> Home:
    chart = personal_chart(chart_weeks([W48], {W48: WeekFigures(Decimal(12), 1, Decimal(2))}, current=W48), W48)
    return Home("Carol", [], [], [], 0, True, person_id=3, trend=chart if trend else None)


def test_app_home_shows_the_uploaded_chart_by_file_id_with_its_numbers_as_alt_text():
    view = home_view(home(), "F123")
    [image] = [b for b in view["blocks"] if b["type"] == "image"]
    assert image["slack_file"] == {"id": "F123"}
    assert (
        image["alt_text"]
        == chart_alt_text(home().trend)
        == ("Your AI spend and work units, W48. W48 (so far): $12.00 spend, 2 work units.")
    )
    assert block_errors(view["blocks"], 100, "/view/blocks") == []


def test_app_home_without_an_upload_has_no_image():
    assert [b for b in home_view(home(), None)["blocks"] if b["type"] == "image"] == []


@pytest.mark.parametrize(
    "target", [Target(), Target(user_id="U0BOB"), Target(team_name="Platform & Ops")], ids=["own", "manager", "team"]
)
def test_the_chart_button_carries_the_group_asked_about(target):
    [button] = chart_actions(target)["elements"]
    assert button["action_id"] == "team_chart" and button["text"]["text"] == "Chart"
    assert target_from_chart_button(button["value"]) == target == target_from_chart_button(chart_button_value(target))


@pytest.mark.parametrize("value", [None, "", "not json", "[1, 2]", '{"other": 1}'])
def test_an_unreadable_button_value_means_the_callers_own_team(value):
    assert target_from_chart_button(value) == Target()


def test_the_standin_refuses_image_blocks_slack_would_refuse():
    assert block_errors([{"type": "image", "slack_file": {"id": "F1"}}], 50, "/blocks")  # no alt text
    assert block_errors([{"type": "image", "alt_text": "x", "slack_file": {}}], 50, "/blocks")
    assert block_errors([{"type": "image", "alt_text": "x"}], 50, "/blocks")  # no picture
    assert (
        block_errors([{"type": "image", "alt_text": "x", "slack_file": {"url": "https://x.test/a.png"}}], 50, "/b")
        == []
    )
