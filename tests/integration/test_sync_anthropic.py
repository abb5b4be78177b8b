"""`usage sync anthropic` and `usage sync claude-code` through the real anthropic SDK against a local Admin API."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.db.models import Person, UsageDaily
from bot.domain.periods import IsoWeek
from bot.ingest.provider_api import MissingKey
from bot.services.code_activity import code_activity_by_week
from bot.services.sync import configured_providers, sync_provider
from tests.conftest import NOW, make_settings
from tests.fakes.anthropic_admin import ADMIN_KEY, ClaudeCodeDay, FakeAnthropicAdmin, model_breakdown
from tests.support.anthropic_usage import CLAUDE_CODE, COST, D20, D21, D22, D24, USAGE, fill_analytics, fill_claude_code
from tests.support.organisation import load_people
from tests.support.sync import run_sync, snapshot, stored_activity, stored_usage, sync_settings


@pytest.fixture
def anthropic_fake():
    with FakeAnthropicAdmin(page_size=2) as fake:
        fill_analytics(fake)
        fill_claude_code(fake)
        yield fake


@pytest.fixture
def settings_for(database_url, slack, anthropic_fake):
    return sync_settings(database_url, slack, anthropic_fake=anthropic_fake)


def test_analytics_sync_stores_reported_cost_exactly(sessions, settings_for, anthropic_fake):
    load_people(sessions)
    report = run_sync("anthropic", sessions, settings_for, D20, D22)

    assert report.ok, report.error
    rows = stored_usage(sessions)
    assert {k: (r.cost_usd, r.cost_source, r.source) for k, r in rows.items()} == {
        ("bob@example.com", "2026-11-20", "claude-sonnet-4-5-20250929"): (Decimal("1.2345"), "reported", "anthropic"),
        ("bob@example.com", "2026-11-20", "claude-haiku-4-5"): (Decimal("0.1075"), "reported", "anthropic"),
        ("carol@example.com", "2026-11-21", "claude-opus-4-1"): (Decimal("50"), "reported", "anthropic"),
        ("erin@example.com", "2026-11-22", "claude-sonnet-4-5"): (Decimal("3.375"), "price_table", "anthropic"),
        # A removed (not deleted) user keeps an email: attributed, as unmatched usage.
        ("removed@example.com", "2026-11-22", "claude-haiku-4-5"): (Decimal("0.01"), "reported", "anthropic"),
    }
    sonnet = rows[("bob@example.com", "2026-11-20", "claude-sonnet-4-5-20250929")]
    # input = uncached + cache reads + cache writes; cached = cache reads.
    assert (sonnet.input_tokens, sonnet.cached_input_tokens, sonnet.output_tokens, sonnet.requests) == (
        340_000,
        200_000,
        30_000,
        12,
    )
    assert report.cost_usd == Decimal("54.7270")
    # 370,000 + 6,000 + 1,000 + 1,100,000 + 10 tokens stored.
    assert report.tokens == 1_477_010
    assert report.unmatched_emails == {"removed@example.com"}
    # The deleted account (no email) is counted, with what the provider says it cost, and not stored.
    assert (report.unattributable.rows, report.unattributable.tokens) == (1, 10_000)
    assert report.unattributable.cost_usd == Decimal("0.9999")
    assert dict(report.unattributable.reasons) == {"deleted account": 1}


def test_reports_are_paged_with_group_by_arrays_and_the_admin_headers(sessions, settings_for, anthropic_fake):
    load_people(sessions)
    run_sync("anthropic", sessions, settings_for, D20, D22)
    usage_calls = anthropic_fake.requests_to(USAGE)
    # 6 rows (bob's two haiku products are one row when not grouped by product), 2 a page: 3 pages.
    assert len(usage_calls) == 3 and len(anthropic_fake.requests_to(COST)) == 3
    assert [c.value("page") is None for c in usage_calls] == [True, False, False]
    first = usage_calls[0]
    assert first.values("group_by") == ["model"] and ("group_by[]", "model") in first.query
    assert (first.value("starting_at"), first.value("ending_at")) == ("2026-11-20T00:00:00Z", "2026-11-23T00:00:00Z")
    assert first.value("bucket_width") == "1d" and first.value("limit") == "1000"
    assert first.headers["x-api-key"] == ADMIN_KEY and first.headers["anthropic-version"]


def test_rate_limit_and_server_error_are_retried(sessions, settings_for, anthropic_fake):
    load_people(sessions)
    anthropic_fake.fail_next(USAGE, 429, retry_after="1")
    anthropic_fake.fail_next(COST, 500)
    report = run_sync("anthropic", sessions, settings_for, D20, D22)
    assert report.ok and report.cost_usd == Decimal("54.7270")
    limited, retried = anthropic_fake.requests_to(USAGE)[:2]
    assert (limited.status, retried.status) == (429, 200) and retried.at - limited.at >= 0.95
    assert [r.status for r in anthropic_fake.requests_to(COST)][:2] == [500, 200]


def test_a_failed_cost_page_writes_nothing_for_the_window(sessions, settings_for, anthropic_fake):
    load_people(sessions)
    # The usage report succeeds; the cost report's second page keeps failing.
    anthropic_fake.fail_next(COST, 503, times=10, when=lambda r: r.value("page") is not None)
    report = run_sync("anthropic", sessions, settings_for, D20, D22, max_retries=1)
    assert not report.ok
    assert report.error.startswith("user cost report: Anthropic answered HTTP 503")
    assert "nothing was written for 2026-11-20 to 2026-11-22" in report.error
    assert stored_usage(sessions) == {}


def test_repeat_changes_nothing_and_revisions_are_corrected(sessions, settings_for, anthropic_fake):
    load_people(sessions)
    run_sync("anthropic", sessions, settings_for, D20, D22)
    before = snapshot(sessions)
    run_sync("anthropic", sessions, settings_for, D20, D22, now=NOW + timedelta(hours=3))
    assert snapshot(sessions) == before
    anthropic_fake.usage[3].cost_cents = "4000"  # carol's opus: revised down to $40
    anthropic_fake.usage.pop()  # the removed user's row is gone
    report = run_sync("anthropic", sessions, settings_for, D21, D22, now=NOW + timedelta(hours=4))
    rows = stored_usage(sessions)
    assert rows[("carol@example.com", "2026-11-21", "claude-opus-4-1")].cost_usd == Decimal("40")
    assert ("removed@example.com", "2026-11-22", "claude-haiku-4-5") not in rows
    assert report.removed_rows == 1


def test_claude_code_activity_and_estimated_cost(sessions, settings_for, anthropic_fake):
    load_people(sessions)
    report = run_sync("claude-code", sessions, settings_for, D24, D24)
    assert report.ok, report.error
    # One call per UTC day, cursor pages: three records at two a page.
    calls = anthropic_fake.requests_to(CLAUDE_CODE)
    assert [c.value("starting_at") for c in calls] == ["2026-11-24", "2026-11-24"]
    assert calls[1].value("page") and calls[0].value("limit") == "1000"

    bob = stored_activity(sessions)[("bob@example.com", "2026-11-24")]
    assert (bob.provider, bob.sessions, bob.lines_added, bob.lines_removed, bob.commits, bob.pull_requests) == (
        "claude_code",
        5,
        150,
        25,
        3,
        1,
    )
    [usage] = stored_usage(sessions).values()
    assert (usage.model, usage.cost_usd, usage.cost_source, usage.source, usage.provider) == (
        "claude-sonnet-4-5-20250929",
        Decimal("3.755"),  # 250 + 125.5 cents
        "reported",
        "claude_code",
        "anthropic",
    )
    assert (usage.input_tokens, usage.cached_input_tokens, usage.output_tokens) == (3_500, 2_000, 600)
    assert (report.activity_rows, report.commits, report.pull_requests) == (1, 3, 1)
    assert dict(report.unattributable.reasons) == {"API key actor": 1}
    with sessions() as session:
        week = IsoWeek.containing(D24)
        everyone = session.scalars(select(Person.id)).all()
        [(person_id, activity)] = code_activity_by_week(session, [week], everyone)[week].items()
        assert (activity.commits, activity.pull_requests, activity.sessions, activity.active_days) == (3, 1, 5, 1)


def test_anthropic_spend_is_never_counted_twice_whatever_the_order(sessions, settings_for, anthropic_fake):
    load_people(sessions)
    # Claude Code first: its estimate is the only Anthropic spend for Carol on the 20th so far.
    run_sync("claude-code", sessions, settings_for, D20, D20)
    assert stored_usage(sessions)[("carol@example.com", "2026-11-20", "claude-opus-4-1")].source == "claude_code"
    # Then the analytics, which cover every product: they replace the estimate for that day.
    report = run_sync("anthropic", sessions, settings_for, D20, D22)
    assert report.removed_rows == 1
    assert {r.source for r in stored_usage(sessions).values()} == {"anthropic"}
    # Claude Code again (e.g. the next daily run): activity kept, its cost not stored again.
    again = run_sync("claude-code", sessions, settings_for, D20, D20)
    assert again.superseded_rows == 1 and again.rows == 0
    assert {r.source for r in stored_usage(sessions).values()} == {"anthropic"}
    assert stored_activity(sessions)[("carol@example.com", "2026-11-20")].commits == 4
    with sessions() as session:
        total = session.scalar(select(func.sum(UsageDaily.cost_usd)))
    assert Decimal(total) == Decimal("54.7270")


def test_both_providers_need_the_anthropic_key(database_url, sessions):
    settings = make_settings(database_url, anthropic_admin_key=None)
    for provider in ("anthropic", "claude-code"):
        with pytest.raises(MissingKey, match="ANTHROPIC_ADMIN_KEY is not set"):
            sync_provider(provider, sessions, settings, D20, D22, NOW)


def test_configured_providers_follow_the_keys(settings_for):
    assert configured_providers(settings_for) == ["anthropic", "claude-code"]


def test_daily_sync_runs_every_configured_provider_and_survives_one_failing(database_url, sessions):
    from bot.services.sync import daily_sync
    from tests.fakes.openai_admin import CompletionsUsage, FakeOpenAIAdmin

    load_people(sessions)
    today = NOW.date()
    with FakeOpenAIAdmin() as openai_fake, FakeAnthropicAdmin() as anthropic_fake:
        openai_fake.add_user("user_dan", "dan@example.com")
        openai_fake.completions.append(CompletionsUsage(today, "user_dan", "gpt-4o", 100_000, 10_000))  # $0.35
        anthropic_fake.claude_code.append(
            ClaudeCodeDay(
                today,
                "erin@example.com",
                commits=2,
                models=[model_breakdown("claude-haiku-4-5", input=1, output=1, cents=20)],
            )
        )
        # The organisation has no analytics access: that provider fails, the others still sync.
        anthropic_fake.fail_next(USAGE, 403, times=10)
        settings = sync_settings(database_url, openai_fake=openai_fake, anthropic_fake=anthropic_fake)
        reports = daily_sync(sessions, settings, NOW)
    assert [(r.provider, r.ok, r.since, r.until) for r in reports] == [
        ("openai", True, today - timedelta(days=2), today),
        ("anthropic", False, today - timedelta(days=2), today),
        ("claude-code", True, today - timedelta(days=2), today),
    ]
    assert "Anthropic answered HTTP 403" in reports[1].error
    rows = stored_usage(sessions)
    assert rows[("dan@example.com", str(today), "gpt-4o")].cost_usd == Decimal("0.35")
    assert rows[("erin@example.com", str(today), "claude-haiku-4-5")].cost_usd == Decimal("0.2")


def test_the_daily_sync_job_fails_naming_the_failed_provider_after_syncing_the_others(database_url, sessions):
    from bot.jobs.tasks import usage_sync
    from bot.runtime import Runtime
    from tests.fakes.openai_admin import CompletionsUsage, FakeOpenAIAdmin

    load_people(sessions)
    today = NOW.date()
    with FakeOpenAIAdmin() as openai_fake, FakeAnthropicAdmin() as anthropic_fake:
        openai_fake.add_user("user_dan", "dan@example.com")
        openai_fake.completions.append(CompletionsUsage(today, "user_dan", "gpt-4o", 100_000, 10_000))
        anthropic_fake.fail_next(USAGE, 403, times=10)
        settings = sync_settings(database_url, openai_fake=openai_fake, anthropic_fake=anthropic_fake)
        rt = Runtime(settings, clock=lambda: NOW)
        try:
            with pytest.raises(RuntimeError) as failed:
                usage_sync(rt)
        finally:
            rt.close()
    assert str(failed.value).startswith("anthropic: ") and "retry with: buildboard usage sync anthropic" in str(
        failed.value
    )
    assert "openai" not in str(failed.value) and "claude-code" not in str(failed.value)
    assert ("dan@example.com", str(today), "gpt-4o") in stored_usage(sessions)  # the others were synced
