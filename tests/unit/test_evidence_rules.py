"""Which merged PRs count, which tools are AI, and what endorsements add: pure rules and their Block Kit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bot.domain.digest import Highlight
from bot.domain.evidence import (
    AiToolsError,
    CommitFacts,
    PullRequestFacts,
    ai_tool_of,
    endorsement_units,
    load_ai_tools,
    pr_units,
    reverted_title,
    reverts,
    why_not_counted,
)
from bot.slack.blocks.digest import _highlight_block
from bot.slack.blocks.endorse import ENDORSE_ARTIFACT, with_endorsement_count
from bot.slack.blocks.share import showcase_message

TOOLS = load_ai_tools()
MERGED = datetime(2026, 11, 20, 10, tzinfo=UTC)


def facts(*messages: str, author: str = "bobb", commit_author: str | None = "bobb", **changes) -> PullRequestFacts:
    values = dict(
        repository="acme/api",
        number=1,
        title="Change",
        url=None,
        author_login=author,
        merged_at=MERGED,
        base_ref="main",
        default_branch="main",
        additions=30,
        deletions=3,
        approvers=("carol-c",),
        commits=tuple(CommitFacts(m, commit_author, "bob@example.com") for m in messages),
    )
    values.update(changes)
    return PullRequestFacts(**values)


@pytest.mark.parametrize(
    "trailer, tool",
    [
        ("Co-authored-by: Claude <noreply@anthropic.com>", "Claude"),
        ("co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>", "Copilot"),
        ("Co-Authored-By: Cursor Agent <cursoragent@cursor.com>", "Cursor"),
        ("Co-authored-by: Aider <aider@aider.chat>", "Aider"),
        ("Co-authored-by: Amp <amp@ampcode.com>", "Amp"),
        ("Co-authored-by: Claudette Smith <claudette@example.com>", None),  # a person, not a tool
        ("Co-authored-by: Dan Diaz <dan@example.com>", None),
        ("Mentions Claude in the body but no trailer", None),
    ],
)
def test_an_ai_tool_is_found_only_in_a_co_author_trailer(trailer, tool):
    assert ai_tool_of(facts(f"Fix it\n\n{trailer}"), TOOLS) == tool


def test_a_bot_author_makes_a_pr_ai_assisted():
    assert ai_tool_of(facts("Plan", author="copilot-swe-agent[bot]", commit_author=None), TOOLS) == "Copilot"
    assert ai_tool_of(facts("Work", commit_author="Copilot-SWE-Agent[bot]"), TOOLS) == "Copilot"


def test_the_rules_in_order():
    ai = "Claude"
    assert why_not_counted(facts("x"), ai_tool=ai, author_logins={"bobb"}, matched=True) is None
    assert "develop" in why_not_counted(
        facts("x", base_ref="develop"), ai_tool=ai, author_logins={"bobb"}, matched=True
    )
    assert "approved" in why_not_counted(
        facts("x", approvers=("BobB",)), ai_tool=ai, author_logins={"bobb"}, matched=True
    )
    auto = facts("x", approvers=("github-actions[bot]",))
    assert "approved" in why_not_counted(auto, ai_tool=ai, author_logins={"bobb"}, matched=True)
    assert why_not_counted(facts("x", additions=9, deletions=0), ai_tool=ai, author_logins=set(), matched=True) == (
        "changes 9 lines (at least 10 count)"
    )
    assert why_not_counted(facts("x", additions=10, deletions=0), ai_tool=ai, author_logins=set(), matched=True) is None
    assert "AI" in why_not_counted(facts("x"), ai_tool=None, author_logins=set(), matched=True)
    assert "people file" in why_not_counted(facts("x"), ai_tool=ai, author_logins=set(), matched=False)


def test_reverts_within_fourteen_days():
    assert reverted_title('Revert "Add cache"') == "Add cache"
    assert reverted_title('Revert "Revert "Add cache""') == 'Revert "Add cache"'
    assert reverted_title("Revert the cache") is None
    assert reverts(MERGED + timedelta(days=14), MERGED) and not reverts(MERGED + timedelta(days=15), MERGED)
    assert not reverts(MERGED - timedelta(hours=1), MERGED)


def test_units_are_capped_per_person_week():
    assert [pr_units(n) for n in (0, 1, 4, 10)] == [0, Decimal("0.5"), 2, 2]
    assert pr_units(3, Decimal(1)) == 3
    assert [endorsement_units(n) for n in (0, 1, 2, 7)] == [0, Decimal("0.5"), 1, 1]


def test_an_own_tools_file_replaces_the_bundled_one_and_a_bad_one_says_what_to_fix(tmp_path):
    mine = tmp_path / "tools.toml"
    mine.write_text('[tools.Zed]\nnames = ["zed"]\nbots = ["zed-agent[bot]"]\n')
    tools = load_ai_tools(mine)
    assert ai_tool_of(facts("x\n\nCo-authored-by: Zed <agent@zed.dev>"), tools) == "Zed"
    assert ai_tool_of(facts("x\n\nCo-authored-by: Claude <noreply@anthropic.com>"), tools) is None
    mine.write_text('[tools.Zed]\nnames = "zed"\n')
    with pytest.raises(AiToolsError, match=r"tools\.toml: \[tools\.Zed\] `names` and `bots` must be lists"):
        load_ai_tools(mine)
    with pytest.raises(AiToolsError, match="cannot read"):
        load_ai_tools(tmp_path / "missing.toml")


def test_the_i_use_this_button_is_only_on_artifacts_with_a_link_and_shows_the_count():
    linked = showcase_message("<@U1>", "Tool", "https://x.example", "d", "tool", None, artifact_id=7, endorsements=2)
    [actions] = [b for b in linked["blocks"] if b["type"] == "actions"]
    assert actions["elements"][0] == {
        "type": "button",
        "action_id": ENDORSE_ARTIFACT,
        "text": {"type": "plain_text", "text": "I use this · 2", "emoji": True},
        "value": "7",
    }
    unlinked = showcase_message("<@U1>", "Tool", None, "d", "tool", None, artifact_id=7)
    assert all(b["type"] != "actions" for b in unlinked["blocks"])
    highlight = _highlight_block(Highlight(9, "Bob", "U1", "Tool", "https://x.example", Decimal(1), "tool", 0))
    assert highlight["accessory"]["text"]["text"] == "I use this" and highlight["accessory"]["value"] == "9"
    assert "accessory" not in _highlight_block(Highlight(9, "Bob", "U1", "Tool", None, Decimal(1)))
    updated = with_endorsement_count([highlight, *linked["blocks"]], 7, 3)
    assert updated is not None and updated[3]["elements"][0]["text"]["text"] == "I use this · 3"
    assert updated[0]["accessory"]["text"]["text"] == "I use this"  # another artifact's button is left alone
    assert with_endorsement_count(unlinked["blocks"], 7, 3) is None
