"""An Anthropic Admin API scripted for the hand-built people: analytics usage and cost, Claude Code days."""

from __future__ import annotations

from datetime import date

from tests.fakes.anthropic_admin import ClaudeCodeDay, FakeAnthropicAdmin, UserUsage, model_breakdown

USAGE = "/v1/organizations/analytics/user_usage_report"
COST = "/v1/organizations/analytics/user_cost_report"
CLAUDE_CODE = "/v1/organizations/usage_report/claude_code"
D20, D21, D22, D24 = date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22), date(2026, 11, 24)


def fill_analytics(fake: FakeAnthropicAdmin) -> None:
    fake.usage += [
        UserUsage(
            D20,
            "bob@example.com",
            "claude-sonnet-4-5-20250929",
            uncached_input_tokens=100_000,
            cache_read_input_tokens=200_000,
            cache_5m_tokens=40_000,
            output_tokens=30_000,
            requests=12,
            cost_cents="123.45",  # $1.2345, exactly
        ),
        # Two products on the same model and day: one row per person · day · model, costs added.
        UserUsage(D20, "bob@example.com", "claude-haiku-4-5", "chat", uncached_input_tokens=5_000, cost_cents="10.5"),
        UserUsage(D20, "bob@example.com", "claude-haiku-4-5", "claude_code", output_tokens=1_000, cost_cents="0.25"),
        UserUsage(D21, "carol@example.com", "claude-opus-4-1", uncached_input_tokens=1_000, cost_cents="5000"),
        UserUsage(D21, None, "claude-opus-4-1", uncached_input_tokens=9_000, output_tokens=1_000, cost_cents="99.99"),
        # No cost row: priced from the table, cache writes at the cache-write price.
        # 1M uncached × $3/M + 100k cache writes × $3.75/M = $3.00 + $0.375 = $3.375
        UserUsage(
            D22,
            "erin@example.com",
            "claude-sonnet-4-5",
            uncached_input_tokens=1_000_000,
            cache_5m_tokens=100_000,
            cost_cents=None,
        ),
        UserUsage(D22, "removed@example.com", "claude-haiku-4-5", output_tokens=10, deleted=True, cost_cents="1"),
    ]


def fill_claude_code(fake: FakeAnthropicAdmin) -> None:
    sonnet = "claude-sonnet-4-5-20250929"
    fake.claude_code += [
        # Bob on two terminals on the 24th: summed by email.
        ClaudeCodeDay(
            D24,
            "bob@example.com",
            "vscode",
            sessions=2,
            lines_added=100,
            lines_removed=20,
            commits=2,
            pull_requests=1,
            models=[model_breakdown(sonnet, input=1_000, output=500, cache_read=2_000, cache_creation=100, cents=250)],
        ),
        ClaudeCodeDay(
            D24,
            "BOB@example.com",
            "iTerm.app",
            sessions=3,
            lines_added=50,
            lines_removed=5,
            commits=1,
            models=[model_breakdown(sonnet, input=400, output=100, cents="125.5")],
        ),
        ClaudeCodeDay(
            D24,
            None,
            api_key_name="ci-bot",
            sessions=9,
            commits=7,
            models=[model_breakdown(sonnet, input=10, output=10, cents=40)],
        ),
        ClaudeCodeDay(
            D20,
            "carol@example.com",
            sessions=1,
            commits=4,
            pull_requests=2,
            models=[model_breakdown("claude-opus-4-1", input=100, output=100, cents=1000)],
        ),
    ]
