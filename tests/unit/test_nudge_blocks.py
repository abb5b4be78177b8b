"""Block Kit builders for nudges, the modals and App Home: limits and escaping."""

import json
from datetime import date
from decimal import Decimal

from bot.demo.standin.block_kit_limits import block_errors, view_errors
from bot.domain.periods import IsoWeek
from bot.domain.reports import ArtifactView, HeldTitle, Home, HomeWeek
from bot.domain.stats import PersonWeek
from bot.slack.blocks.home import home_view, title_label
from bot.slack.blocks.nudge import answered_message, nudge_message, shared_outcome
from bot.slack.blocks.share import form_values, nothing_modal, share_modal, showcase_message

W47 = IsoWeek(2026, 47)
NASTY = "<!channel> *bold* <https://evil.example|click> & more"


def artifact(i: int, title: str = NASTY) -> ArtifactView:
    return ArtifactView(
        id=i,
        week_start=date(2026, 11, 16),
        title=title,
        url="https://x.example.com/a|b>c",
        description="d",
        kind="tool",
        hours_saved_per_week=None,
        share_in_channel=False,
        spend_snapshot_usd=Decimal("12.5"),
        work_units=Decimal(1),
    )


def test_nudge_message_in_plain_words_with_three_buttons():
    message = nudge_message(W47, 860_000, Decimal("95"), 2, 40)
    assert block_errors(message["blocks"], 50, "/blocks") == []
    text = json.dumps(message, ensure_ascii=False)
    assert "860K tokens" in text and "$95.00" in text and "#2 of 40 people by spend" in text
    actions = [b for b in message["blocks"] if b["type"] == "actions"][0]["elements"]
    assert [a["action_id"] for a in actions] == ["open_share_modal", "nudge_nothing_to_show", "nudge_remind_later"]
    assert json.loads(actions[0]["value"]) == {"week": "2026-W47"}


def test_answered_message_escapes_the_title():
    message = answered_message(W47, 1, Decimal(1), shared_outcome(NASTY))
    text = json.dumps(message)
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert all(b["type"] != "actions" for b in message["blocks"])


def test_modals_pass_slacks_view_checks():
    assert view_errors(share_modal(W47)) == []
    assert view_errors(share_modal(W47, artifact(7))) == []
    assert view_errors(nothing_modal(W47)) == []
    edit = share_modal(W47, artifact(7))
    assert json.loads(edit["private_metadata"]) == {"week": "2026-W47", "artifact_id": 7}
    assert [b.get("block_id") for b in edit["blocks"] if b["type"] == "input"] == [
        "title",
        "url",
        "description",
        "kind",
        "hours_saved",
        "share_in_channel",
    ]


def test_form_values_reads_every_element_type():
    state = {
        "values": {
            "title": {"value": {"type": "plain_text_input", "value": "T"}},
            "kind": {"value": {"type": "static_select", "selected_option": {"value": "tool"}}},
            "hours_saved": {"value": {"type": "number_input", "value": "1.5"}},
            "share_in_channel": {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}},
            "reason": {"value": {"type": "radio_buttons", "selected_option": None}},
        }
    }
    assert form_values(state) == {
        "title": "T",
        "kind": "tool",
        "hours_saved": "1.5",
        "share_in_channel": True,
        "reason": None,
    }


def test_showcase_escapes_user_text_and_the_link():
    message = showcase_message("<@U1>", NASTY, "https://x.example.com/a|b>c", NASTY, "tool", Decimal("2"))
    text = json.dumps(message["blocks"])
    assert "<!channel>" not in text and "<https://evil" not in text
    assert "https://x.example.com/a%7Cb%3Ec|" in text
    assert block_errors(message["blocks"], 50, "/blocks") == []


def home(artifacts: int, titles: int = 3) -> Home:
    weeks = [
        HomeWeek(W47.next().previous(i), PersonWeek(1, 1000 * i, Decimal(i), 1, i % 2, Decimal(i % 2)), i == 0)
        for i in range(5)
    ]
    return Home(
        name="Carol",
        weeks=weeks,
        titles=[HeldTitle(W47, f"title_{i}", i + 1) for i in range(titles)],
        artifacts=[artifact(i) for i in range(artifacts)],
        total_artifacts=artifacts + 5,
        nudges_enabled=True,
        viewed_by=[],
    )


def test_home_view_stays_within_the_view_limit_and_escapes():
    view = home_view(home(200))
    assert view_errors(view) == []
    assert len(view["blocks"]) <= 100
    text = json.dumps(view, ensure_ascii=False)
    assert "<!channel>" not in text
    assert "Week 47 (16–22 Nov 2026)" in text and "Title 0" in text and "(2 weeks running)" in text
    assert "Turn weekly DMs off" in text


def test_home_view_without_artifacts_or_titles():
    view = home_view(home(0, titles=0))
    text = json.dumps(view)
    assert "Nothing shared yet" in text and "None yet" in text
    assert title_label("token_legend") == "Token Legend"
