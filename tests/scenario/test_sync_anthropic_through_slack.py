"""Claude Code usage synced by the CLI, then /buildboard me through the real app shows it beside the spend."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.db.models import CodeActivityDaily
from bot.slack.blocks.plain_text import render_message
from tests.fakes.anthropic_admin import ADMIN_KEY, FakeAnthropicAdmin
from tests.support.anthropic_usage import CLAUDE_CODE, fill_analytics, fill_claude_code
from tests.support.organisation import load_people
from tests.support.sync import debug_runtime


@pytest.fixture
def anthropic_fake():
    with FakeAnthropicAdmin(page_size=2) as fake:
        fill_analytics(fake)
        fill_claude_code(fake)
        yield fake


def test_cli_claude_code_sync_then_me_and_digest_work_on_synced_data(
    database_url, rt, slack, slack_http, anthropic_fake, monkeypatch, capsys, caplog
):
    load_people(rt.sessions)
    for name, value in {
        "DATABASE_URL": database_url,
        "ANTHROPIC_ADMIN_KEY": ADMIN_KEY,
        "ANTHROPIC_BASE_URL": anthropic_fake.base_url,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_API_URL": slack.base_url,
    }.items():
        monkeypatch.setenv(name, value)
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr("bot.commands.sync.runtime", lambda: debug_runtime(caplog.handler))
    anthropic_fake.fail_next(CLAUDE_CODE, 429, retry_after="1")
    assert main(["usage", "sync", "anthropic", "--since", "2026-11-16", "--until", "2026-11-22"]) == 0
    assert main(["usage", "sync", "claude-code", "--since", "2026-11-20", "--until", "2026-11-24"]) == 0
    out = capsys.readouterr().out
    assert "anthropic: 2026-11-16 to 2026-11-22: 5 usage rows, 1,477,010 tokens, $54.73" in out
    assert "claude-code: 2026-11-20 to 2026-11-24: 1 usage row," in out  # one row: the singular
    assert "Claude Code activity: 2 person-days, 7 commits, 3 pull requests" in out
    assert "1 Claude Code cost rows not stored: Anthropic analytics already cover those days" in out
    assert any(r.name.startswith("anthropic") and r.levelno == logging.DEBUG for r in caplog.records)
    assert ADMIN_KEY not in caplog.text

    # The digest runs unchanged on synced data (last complete week 2026-W47).
    assert main(["digest", "--week", "2026-W47", "--dry-run"]) == 0
    digest = capsys.readouterr().out
    assert "BUILDBOARD · WEEK 47" in digest and "$54.73" in digest

    # /buildboard me: this week's spend with Claude Code's commits and pull requests beside it.
    _, _, url = slack_http.command("me", user_id="U0BOB")
    [answer] = slack_http.responses(url)
    text = render_message({"blocks": answer["blocks"]})
    assert "*Spend*\n$3.76" in text
    assert "*Commits by Claude Code*\n3" in text and "*Pull requests by Claude Code*\n1" in text
    with rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(CodeActivityDaily)) == 2
