"""The weekly rollup (usage_weekly): filled by its migration, kept in step by every write, safe under concurrency.

Every test's database is also checked against usage_daily when the test ends (tests/conftest.py),
so each write path the suite exercises (CSV import, provider syncs, retention) is covered there.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text

from bot.cli import main
from bot.db.engine import _alembic_config
from bot.db.models import Person, UsageWeekly
from bot.domain.periods import IsoWeek
from bot.ingest.prices import PriceTable
from bot.ingest.records import UsageRecord
from bot.ingest.store import write_usage
from bot.services.period_figures import KEPT_SPANS
from bot.services.stats import person_weeks
from bot.settings import Settings
from tests.conftest import NOW

W47 = IsoWeek.parse("2026-W47")


def weekly(sessions) -> dict[tuple[str, str], tuple[int, Decimal, int]]:
    with sessions() as session:
        return {
            (str(row.week_start), email): (row.tokens, Decimal(row.cost_usd), row.active_days)
            for row, email in session.execute(
                select(UsageWeekly, Person.email).join(Person, Person.id == UsageWeekly.person_id)
            )
        }


def record(email: str, day: date, tokens: int, cost: str, model: str = "gpt-4o") -> UsageRecord:
    return UsageRecord(day, email, "openai", model, tokens, 0, cost_usd=Decimal(cost))


def write(sessions, records: list[UsageRecord]) -> None:
    with sessions.begin() as session:
        write_usage(session, records, prices=PriceTable.load(), source="csv", now=NOW)


def test_a_write_refreshes_only_the_weeks_it_touched_and_a_revision_replaces_the_sums(sessions):
    write(
        sessions,
        [
            record("ann@example.com", date(2026, 11, 10), 100, "1.00"),  # W46
            record("ann@example.com", date(2026, 11, 16), 200, "2.00"),  # W47, Monday
            record("ann@example.com", date(2026, 11, 22), 300, "3.00", model="gpt-5"),  # W47, Sunday
            record("bob@example.com", date(2026, 11, 18), 50, "0.50"),
        ],
    )
    assert weekly(sessions) == {
        ("2026-11-09", "ann@example.com"): (100, Decimal("1"), 1),
        ("2026-11-16", "ann@example.com"): (500, Decimal("5"), 2),
        ("2026-11-16", "bob@example.com"): (50, Decimal("0.5"), 1),
    }
    # A corrected Sunday: the week is recomputed, the week before is left as it was.
    write(sessions, [record("ann@example.com", date(2026, 11, 22), 1000, "9.00", model="gpt-5")])
    assert weekly(sessions)[("2026-11-16", "ann@example.com")] == (1200, Decimal("11"), 2)
    assert weekly(sessions)[("2026-11-09", "ann@example.com")] == (100, Decimal("1"), 1)
    with sessions() as session:
        ann = session.scalars(select(Person.id).where(Person.email == "ann@example.com")).one()
        week = person_weeks(session, W47)[ann]
    assert (week.tokens, week.spend_usd, week.active_days) == (1200, Decimal("11"), 2)


def test_the_migration_fills_the_rollup_from_usage_already_stored(engine, database_url, sessions):
    config = _alembic_config(database_url)
    command.downgrade(config, "0008")  # as an existing installation is before this release
    bare = create_engine(database_url)
    try:
        with bare.begin() as connection:
            for email in ("ann@example.com", "bob@example.com"):
                connection.execute(
                    text(
                        "INSERT INTO people (email, in_org, active, nudges_enabled, public_opt_out, created_at,"
                        " updated_at) VALUES (:email, true, true, true, false, :now, :now)"
                    ),
                    {"email": email, "now": NOW},
                )
            ids = dict(connection.execute(text("SELECT email, id FROM people")).all())
            for email, day, model, tokens, cost in (
                ("ann@example.com", date(2026, 11, 15), "gpt-4o", 10, "0.10"),  # a Sunday: W46
                ("ann@example.com", date(2026, 11, 16), "gpt-4o", 20, "0.20"),  # the Monday after: W47
                ("ann@example.com", date(2026, 11, 16), "gpt-5", 30, "0.30"),
                ("bob@example.com", date(2026, 11, 19), "gpt-4o", 40, "0.40"),
            ):
                connection.execute(
                    text(
                        "INSERT INTO usage_daily (person_id, day, provider, model, input_tokens,"
                        " cached_input_tokens, output_tokens, requests, cost_usd, cost_source, source, updated_at)"
                        " VALUES (:pid, :day, 'openai', :model, :tokens, 0, 1, 1, :cost, 'reported', 'csv', :now)"
                    ),
                    {
                        "pid": ids[email],
                        "day": day,
                        "model": model,
                        "tokens": tokens,
                        "cost": cost,
                        "now": NOW,
                    },
                )
    finally:
        bare.dispose()
        command.upgrade(config, "head")
    assert weekly(sessions) == {
        ("2026-11-09", "ann@example.com"): (11, Decimal("0.1"), 1),
        ("2026-11-16", "ann@example.com"): (52, Decimal("0.5"), 1),
        ("2026-11-16", "bob@example.com"): (41, Decimal("0.4"), 1),
    }


@pytest.mark.postgres_only
def test_two_imports_into_the_same_week_at_once_both_count(sessions):
    """Refreshes take turns: the later one recomputes from the rows the earlier one committed.

    Without the turn-taking the second transaction's DELETE misses rows the first inserted, and its
    INSERT then collides with them (or, worse, keeps the first one's stale sums).
    """
    write(sessions, [record("ann@example.com", date(2026, 11, 17), 100, "1.00")])
    write(sessions, [record("bob@example.com", date(2026, 11, 17), 100, "1.00")])
    first_refreshed, first_may_commit = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with sessions.begin() as session:
                write_usage(
                    session,
                    [record("ann@example.com", date(2026, 11, 18), 200, "2.00")],
                    prices=PriceTable.load(),
                    source="csv",
                    now=NOW,
                )
                first_refreshed.set()
                assert first_may_commit.wait(10)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    def second() -> None:
        try:
            write(sessions, [record("bob@example.com", date(2026, 11, 19), 300, "3.00")])
        except BaseException as exc:
            errors.append(exc)

    one = threading.Thread(target=first)
    one.start()
    assert first_refreshed.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(1.0)
    assert two.is_alive(), "the second refresh should wait for the first transaction"
    first_may_commit.set()
    one.join(10)
    two.join(10)
    assert not errors, errors
    assert weekly(sessions) == {
        ("2026-11-16", "ann@example.com"): (300, Decimal("3"), 2),
        ("2026-11-16", "bob@example.com"): (400, Decimal("4"), 2),
    }


def test_db_rebuild_rollup_recomputes_it_after_usage_loaded_by_hand(sessions, database_url, monkeypatch, capsys):
    write(sessions, [record("ann@example.com", date(2026, 11, 17), 100, "1.00")])
    bare = create_engine(database_url)
    try:
        with bare.begin() as connection:  # an operator's own bulk load, straight into usage_daily
            connection.execute(
                text(
                    "INSERT INTO usage_daily (person_id, day, provider, model, input_tokens, cached_input_tokens,"
                    " output_tokens, requests, cost_usd, cost_source, source, updated_at)"
                    " SELECT person_id, day, provider, 'gpt-5', 400, 0, 0, 1, 4, cost_source, source, updated_at"
                    " FROM usage_daily"
                )
            )
    finally:
        bare.dispose()
    assert weekly(sessions) == {("2026-11-16", "ann@example.com"): (100, Decimal("1"), 1)}  # stale until rebuilt
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["db", "rebuild-rollup"]) == 0
    # (the CLI's clock is the real one: the default team period ends with the last complete week of today)
    last = IsoWeek.last_complete(datetime.now(UTC), Settings(_env_file=None).zone)
    spans = [  # Ann's week in a span's two periods, or not
        f"{weeks} week{'s' if weeks > 1 else ''}: "
        + ("1 person" if date(2026, 11, 17) >= last.previous(2 * weeks - 1).start else "0 people")
        for weeks in sorted(KEPT_SPANS, reverse=True)
    ]
    assert capsys.readouterr().out.splitlines() == [
        "usage_weekly rebuilt from usage_daily: 1 person-week",
        "output_weekly rebuilt (counted output, 3 artifacts a person-week): 0 person-weeks",  # nothing shared
        f"period_figures rebuilt (each person's sums over the weeks to {last}): {'; '.join(spans)}",
    ]
    assert weekly(sessions) == {("2026-11-16", "ann@example.com"): (500, Decimal("5"), 1)}
