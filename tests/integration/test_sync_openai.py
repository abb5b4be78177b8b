"""`usage sync openai` through the real openai SDK against a local Admin API that speaks the real wire format."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.db.models import UsageDaily
from bot.ingest.provider_api import MissingKey
from bot.services.sync import configured_providers, sync_provider
from tests.conftest import DATA, NOW, make_settings
from tests.fakes.openai_admin import ADMIN_KEY, CompletionsUsage, EmbeddingsUsage, FakeOpenAIAdmin
from tests.support.organisation import load_people
from tests.support.sync import debug_runtime, run_sync, snapshot, stored_usage, sync_settings

COMPLETIONS = "/v1/organization/usage/completions"
D20, D21, D22 = date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22)


def fill(fake: FakeOpenAIAdmin) -> None:
    for user_id, email in (
        ("user_bob", "bob@example.com"),
        ("user_carol", "carol@example.com"),
        ("user_dan", "dan@example.com"),
        ("user_zoe", "Zoe@Example.com"),  # not in the people file; mixed case on purpose
    ):
        fake.add_user(user_id, email)
    fake.completions += [
        # 600k uncached × $2.50/M + 400k cached × $1.25/M + 200k out × $10/M = $1.50 + $0.50 + $2.00 = $4.00
        CompletionsUsage(D20, "user_bob", "gpt-4o", 1_000_000, 200_000, input_cached_tokens=400_000),
        # 350k uncached × $0.40/M + 100k cached × $0.10/M + 50k cache writes at the input price × $0.40/M
        # + 100k out × $1.60/M = $0.14 + $0.01 + $0.02 + $0.16 = $0.33
        CompletionsUsage(
            D21,
            "user_bob",
            "gpt-4.1-mini-2025-04-14",
            500_000,
            100_000,
            input_cached_tokens=100_000,
            input_cache_write_tokens=50_000,
        ),
        # 10k × $2.50/M + 1k × $10/M = $0.025 + $0.01 = $0.035
        CompletionsUsage(D21, "user_zoe", "gpt-4o", 10_000, 1_000),
        CompletionsUsage(D22, "user_gone", "gpt-4o", 100_000, 0),  # a deleted user: not in the users list
        CompletionsUsage(D22, None, "gpt-4o", 70_000, 7_000),  # a service account's key
        CompletionsUsage(D22, "user_dan", "gpt-9-preview", 1_000, 100),  # not in the price table
    ]
    # 2M × $0.02/M = $0.04
    fake.embeddings.append(EmbeddingsUsage(D22, "user_carol", "text-embedding-3-small", 2_000_000))


@pytest.fixture
def openai_fake():
    with FakeOpenAIAdmin(buckets_per_page=2) as fake:
        fill(fake)
        yield fake


@pytest.fixture
def settings_for(database_url, slack, openai_fake):
    return sync_settings(database_url, slack, openai_fake=openai_fake)


def test_sync_prices_tokens_per_person_to_the_cent(sessions, settings_for, openai_fake):
    load_people(sessions)
    report = run_sync("openai", sessions, settings_for, D20, D22)

    assert report.ok, report.error
    assert report.rows == 5
    assert report.cost_usd == Decimal("4.405")
    assert report.tokens == 1_200_000 + 600_000 + 11_000 + 2_000_000 + 1_100
    rows = stored_usage(sessions)
    assert {k: (r.cost_usd, r.cost_source, r.source) for k, r in rows.items()} == {
        ("bob@example.com", "2026-11-20", "gpt-4o"): (Decimal("4"), "price_table", "openai"),
        ("bob@example.com", "2026-11-21", "gpt-4.1-mini-2025-04-14"): (Decimal("0.33"), "price_table", "openai"),
        ("zoe@example.com", "2026-11-21", "gpt-4o"): (Decimal("0.035"), "price_table", "openai"),
        ("carol@example.com", "2026-11-22", "text-embedding-3-small"): (Decimal("0.04"), "price_table", "openai"),
        ("dan@example.com", "2026-11-22", "gpt-9-preview"): (Decimal("0"), "unpriced", "openai"),
    }
    bob = rows[("bob@example.com", "2026-11-20", "gpt-4o")]
    assert (bob.input_tokens, bob.cached_input_tokens, bob.output_tokens, bob.requests) == (
        1_000_000,
        400_000,
        200_000,
        1,
    )
    # Identity: unknown emails kept as unmatched, deleted users and key-only usage counted, not stored.
    assert report.unmatched_emails == {"zoe@example.com"}
    assert report.unattributable.rows == 2
    assert report.unattributable.tokens == 100_000 + 77_000
    assert report.unpriced_models == {"gpt-9-preview": 1_100}


def test_every_page_is_followed_with_group_by_arrays(sessions, settings_for, openai_fake):
    load_people(sessions)
    run_sync("openai", sessions, settings_for, D20, D22)
    calls = openai_fake.requests_to(COMPLETIONS)
    # Three daily buckets, two per page: two pages, the second asked for with the first's cursor.
    assert len(calls) == 2
    assert calls[0].value("page") is None and calls[1].value("page")
    for call in calls:
        assert [(k, v) for k, v in call.query if k.startswith("group_by")] == [
            ("group_by[]", "user_id"),
            ("group_by[]", "model"),
        ]
        assert call.value("bucket_width") == "1d" and call.value("limit") == "31"
    assert int(calls[0].value("end_time")) - int(calls[0].value("start_time")) == 3 * 86_400
    assert len(openai_fake.requests_to("/v1/organization/usage/embeddings")) == 2
    # The users list is paged by the SDK (limit 100, `after` cursor) and read once per sync.
    assert len(openai_fake.requests_to("/v1/organization/users")) == 1


def test_repeating_a_sync_changes_nothing_and_a_revision_is_corrected(sessions, settings_for, openai_fake):
    load_people(sessions)
    run_sync("openai", sessions, settings_for, D20, D22)
    before = snapshot(sessions)
    # Overlapping window, later clock: nothing that was right moves, not even updated_at.
    again = run_sync("openai", sessions, settings_for, D20 - timedelta(days=3), D22, now=NOW + timedelta(hours=5))
    assert again.ok and again.removed_rows == 0
    assert snapshot(sessions) == before

    # The provider revises: Bob's output on the 20th grows, Zoe's row disappears.
    openai_fake.completions[0].output_tokens = 300_000
    del openai_fake.completions[2]
    revised = run_sync("openai", sessions, settings_for, D20, D22, now=NOW + timedelta(hours=6))
    rows = stored_usage(sessions)
    assert rows[("bob@example.com", "2026-11-20", "gpt-4o")].cost_usd == Decimal("5")  # +100k × $10/M
    assert ("zoe@example.com", "2026-11-21", "gpt-4o") not in rows
    assert revised.removed_rows == 1
    assert revised.cost_usd == Decimal("5.37")


def test_rate_limit_is_retried_after_the_time_the_provider_asks(sessions, settings_for, openai_fake):
    load_people(sessions)
    openai_fake.fail_next(COMPLETIONS, 429, retry_after="1")
    openai_fake.fail_next("/v1/organization/usage/embeddings", 500)
    report = run_sync("openai", sessions, settings_for, D20, D22)
    assert report.ok and report.cost_usd == Decimal("4.405")
    limited, retried = openai_fake.requests_to(COMPLETIONS)[:2]
    assert limited.status == 429 and retried.status == 200
    assert retried.at - limited.at >= 0.95  # Retry-After: 1 honoured
    assert [r.status for r in openai_fake.requests_to("/v1/organization/usage/embeddings")][:2] == [500, 200]


def test_a_window_that_still_fails_writes_nothing_and_names_the_days(sessions, settings_for, openai_fake):
    load_people(sessions)
    since = D22 - timedelta(days=9)  # two windows: 13–19 Nov and 20–22 Nov
    # The second window's first completions page keeps failing (more times than the retries).
    second = int(datetime(2026, 11, 20, tzinfo=UTC).timestamp())
    openai_fake.fail_next(COMPLETIONS, 500, times=10, when=lambda r: int(r.value("start_time")) >= second)
    openai_fake.completions.append(CompletionsUsage(date(2026, 11, 14), "user_bob", "gpt-4o", 1_000, 0))
    report = run_sync("openai", sessions, settings_for, since, D22, max_retries=1)

    assert not report.ok
    assert "HTTP 500" in report.error and "nothing was written for 2026-11-20 to 2026-11-22" in report.error
    assert report.retry_command() == "buildboard usage sync openai --since 2026-11-20 --until 2026-11-22"
    assert report.synced_through == date(2026, 11, 19)
    # The first window is stored; nothing of the failed one.
    assert set(stored_usage(sessions)) == {("bob@example.com", "2026-11-14", "gpt-4o")}


def test_a_missing_key_names_the_setting(database_url, sessions):
    settings = make_settings(database_url)
    assert configured_providers(settings) == []
    with pytest.raises(MissingKey, match="OPENAI_ADMIN_KEY is not set"):
        sync_provider("openai", sessions, settings, D20, D22, NOW)


def test_cli_sync_summary_and_no_key_in_any_log(database_url, sessions, openai_fake, monkeypatch, capsys, caplog):
    load_people(sessions)
    for name, value in {
        "DATABASE_URL": database_url,
        "OPENAI_ADMIN_KEY": ADMIN_KEY,
        "OPENAI_BASE_URL": openai_fake.base_url,
    }.items():
        monkeypatch.setenv(name, value)
    openai_fake.fail_next(COMPLETIONS, 429, retry_after="1")
    caplog.set_level(logging.DEBUG)
    # configure_logging (called by the command) sets the SDK loggers to WARNING: open them up again
    # so the check below covers the SDK's own DEBUG request logging too.
    monkeypatch.setattr("bot.commands.sync.runtime", lambda: debug_runtime(caplog.handler))
    assert main(["usage", "sync", "openai", "--since", "2026-11-20", "--until", "2026-11-22"]) == 0
    captured = capsys.readouterr()
    assert "openai: 2026-11-20 to 2026-11-22: 5 usage rows, 3,812,100 tokens, $4.41" in captured.out
    assert "1 email is not in the people file" in captured.out and "zoe@example.com" in captured.out
    assert "2 rows cannot be attributed to a person" in captured.out
    assert "'gpt-9-preview' is not in the price table; 1,100 tokens left unpriced" in captured.err
    assert captured.err.count("gpt-9-preview") == 1  # reported once per sync
    assert "\r" not in captured.err  # no progress bar when stderr is not a terminal
    assert any("openai" in r.name and r.levelno == logging.DEBUG for r in caplog.records)
    assert ADMIN_KEY not in caplog.text and ADMIN_KEY not in captured.out + captured.err
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(UsageDaily)) == 5


def test_cli_without_a_key_fails_clearly(database_url, sessions, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("OPENAI_ADMIN_KEY", raising=False)
    assert main(["usage", "sync", "openai"]) == 2
    assert "OPENAI_ADMIN_KEY is not set" in capsys.readouterr().err


def test_cli_failed_sync_says_what_to_retry(database_url, sessions, openai_fake, monkeypatch, capsys):
    wrong_key = "sk-admin-revoked-key-9876543210"
    for name, value in {
        "DATABASE_URL": database_url,
        "OPENAI_ADMIN_KEY": wrong_key,
        "OPENAI_BASE_URL": openai_fake.base_url,
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["usage", "sync", "openai", "--since", "2026-11-20", "--until", "2026-11-22"]) == 1
    captured = capsys.readouterr()
    assert "users list: OpenAI answered HTTP 401: Incorrect API key provided" in captured.err
    assert "retry with: buildboard usage sync openai --since 2026-11-20 --until 2026-11-22" in captured.err
    assert wrong_key not in captured.out + captured.err
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(UsageDaily)) == 0


def test_an_override_price_file_prices_a_model_the_bundled_table_lacks(database_url, sessions, openai_fake, tmp_path):
    load_people(sessions)
    prices = tmp_path / "prices.json"
    prices.write_text(
        '{"_meta": {"source": "our contract", "retrieved": "2026-11-01"},'
        ' "models": {"gpt-9-preview": {"input_cost_per_token": 1e-05, "output_cost_per_token": 3e-05}}}'
    )
    settings = sync_settings(database_url, openai_fake=openai_fake, prices_file=str(prices))
    report = run_sync("openai", sessions, settings, D20, D22)
    # 1k × $10/M + 100 × $30/M = $0.013
    dan = stored_usage(sessions)[("dan@example.com", "2026-11-22", "gpt-9-preview")]
    assert (dan.cost_usd, dan.cost_source) == (Decimal("0.013"), "price_table")
    assert report.unpriced_models == {} and report.cost_usd == Decimal("4.418")


def test_unmatched_usage_is_exported_then_attributed_once_the_person_is_imported(
    database_url, sessions, settings_for, openai_fake, monkeypatch, capsys, tmp_path
):
    load_people(sessions)
    run_sync("openai", sessions, settings_for, D20, D22)
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["export", "usage", "--week", "2026-W47"]) == 0
    assert "2026-11-21,zoe@example.com,unmatched,openai,gpt-4o" in capsys.readouterr().out
    people = tmp_path / "people.csv"
    people.write_text(
        DATA.joinpath("people.csv").read_text() + "zoe@example.com,Zoe Zhang,Research,alice@example.com,,\n"
    )
    assert main(["org", "import", str(people)]) == 0
    capsys.readouterr()
    assert main(["export", "usage", "--week", "2026-W47"]) == 0
    assert "2026-11-21,zoe@example.com,yes,openai,gpt-4o" in capsys.readouterr().out
    # Later syncs keep attributing Zoe's usage to her, no longer reported as unmatched.
    assert run_sync("openai", sessions, settings_for, D20, D22).unmatched_emails == set()


def test_the_fake_accepts_repeated_group_by_as_well_as_brackets(openai_fake):
    import httpx2

    start = int(datetime(2026, 11, 20, tzinfo=UTC).timestamp())
    answers = []
    for style in ("group_by", "group_by[]"):
        response = httpx2.get(
            f"{openai_fake.base_url}/organization/usage/completions",
            params=[("start_time", start), ("end_time", start + 86_400), (style, "user_id"), (style, "model")],
            headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        )
        assert response.status_code == 200
        answers.append(response.json()["data"][0]["results"])
    assert answers[0] == answers[1]
    assert {(r["user_id"], r["model"]) for r in answers[0]} == {("user_bob", "gpt-4o")}
