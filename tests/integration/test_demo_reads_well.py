"""`buildboard demo` reads well: DMs headed by names, every message shown or counted, units named, the evidence
ratio said once, no nested parentheses, no setting names or operator commands in what Slack users see."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.demo.run import run_demo

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def demo_output(tmp_path, **options) -> list[str]:
    lines: list[str] = []
    assert run_demo(people=120, keep=tmp_path, say=lines.append, now=NOW, **options) == 0
    return "\n".join(lines).splitlines()


@pytest.fixture(scope="module")
def output(tmp_path_factory) -> list[str]:
    return demo_output(tmp_path_factory.mktemp("demo"))


def messages(lines: list[str]) -> dict[str, list[str]]:
    """Each printed Slack message (a `--- … ---` heading and its lines, up to the next heading or section)."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines:
        if line.startswith("--- "):
            current = found.setdefault(f"{len(found)}: {line}", [])
        elif line.startswith("=== ") or not line.strip():
            current = None
        elif current is not None:
            current.append(line)
    return found


def test_each_dm_is_headed_by_its_recipients_name(output):
    headings = [line for line in output if line.startswith("--- ") and "DM" in line]
    assert headings, "the demo printed no DM"
    for heading in headings:
        assert re.match(r"^--- (.+: )?DM to @?[A-Z][\w'. -]+( now reads|: file)? ---$", heading), heading


def test_dms_not_shown_are_counted_and_all_shows_them(output, tmp_path):
    [heading] = [line for line in output if line.startswith("=== Nudge DMs:")]
    posted, shown = re.match(r"=== Nudge DMs: (\d+) messages posted, the first (\d+) shown; ", heading).groups()
    assert heading.endswith(f"{int(posted) - int(shown)} more with `buildboard demo --all` ===")
    everything = demo_output(tmp_path, show_all=True)
    [heading] = [line for line in everything if line.startswith("=== Nudge DMs:")]
    assert heading == f"=== Nudge DMs: {posted} messages posted ==="
    start = everything.index(heading)
    end = next(i for i, line in enumerate(everything) if i > start and line.startswith("=== "))
    assert sum(1 for line in everything[start:end] if line.startswith("--- DM to ")) == int(posted)


def test_units_are_named_and_the_evidence_ratio_is_said_once(output):
    digest = next(
        body
        for heading, body in messages(output).items()
        if heading.endswith("--- digest channel ---") and any("*Leaderboard*" in line for line in body)
    )
    text = "\n".join(digest)
    standouts = next(line for line in digest if line.startswith("*Standouts:*"))
    assert re.search(r"\(\d+(\.\d+)?\)", standouts) is None  # no bare number in parentheses
    assert standouts.count("work unit") == standouts.count(" by @")
    assert text.count("Evidence ratio") == 1 and "% of this week's spend" not in text


def test_no_nested_parentheses(output):
    for line in output:
        depth = deepest = 0
        for char in line:
            depth += {"(": 1, ")": -1}.get(char, 0)
            deepest = max(deepest, depth)
        assert deepest <= 1, line


def test_no_setting_names_or_operator_commands_in_what_slack_users_see(output):
    seen = messages(output)
    assert any("digest channel" in heading for heading in seen) and any("DM to" in heading for heading in seen)
    for heading, body in seen.items():
        text = "\n".join(body)
        assert not re.search(r"\b(BUILDBOARD|OPENAI|ANTHROPIC|SLACK|DATABASE)_[A-Z_]+", text), (heading, text)
        assert "`buildboard " not in text and "buildboard export" not in text, (heading, text)
