"""usage_daily partitioned by month on PostgreSQL (migration 0021): rows land in their month's partition,
a month without one gets it in the writing transaction, the natural key still de-duplicates, the migration
keeps ids and the sequence, and retention drops the months it emptied. SQLite keeps one plain table."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import select, text

from bot.db.engine import _alembic_config
from bot.db.models import Person, UsageDaily
from bot.db.usage_partitions import ensure_usage_partitions, is_partitioned, partition_name, usage_partitions
from bot.ingest.prices import PriceTable
from bot.ingest.records import UsageRecord
from bot.ingest.store import write_usage
from bot.services.retention import run_retention
from tests.conftest import NOW, make_settings

PRICES = PriceTable.load()
postgres_only = pytest.mark.postgres_only


def usage(day: date, email: str = "ada@example.com", tokens: int = 1_000) -> UsageRecord:
    return UsageRecord(day=day, email=email, provider="openai", model="gpt-4o", input_tokens=tokens, output_tokens=10)


def write(sessions, records) -> None:
    with sessions.begin() as session:
        write_usage(session, records, prices=PRICES, source="csv", now=NOW)


def placed(sessions) -> list[tuple[str, str, int]]:
    """Each row's day, the partition holding it and its input tokens."""
    with sessions() as session:
        rows = session.execute(
            text("SELECT day, tableoid::regclass::text, input_tokens FROM usage_daily ORDER BY day, person_id")
        )
        return [(day.isoformat(), partition, tokens) for day, partition, tokens in rows]


def drop_partition(engine, month: date) -> None:
    with engine.begin() as connection:
        connection.execute(text(f"DROP TABLE IF EXISTS {partition_name(month)}"))


@postgres_only
def test_rows_land_in_their_months_partition(sessions):
    write(sessions, [usage(date(2026, 10, 31)), usage(date(2026, 11, 1)), usage(date(2026, 11, 22))])

    assert placed(sessions) == [
        ("2026-10-31", "usage_daily_2026_10", 1_000),
        ("2026-11-01", "usage_daily_2026_11", 1_000),
        ("2026-11-22", "usage_daily_2026_11", 1_000),
    ]


@postgres_only
def test_an_import_into_a_month_without_a_partition_creates_it_in_the_same_transaction(engine, sessions):
    drop_partition(engine, date(2019, 3, 1))
    with sessions() as session:
        assert "usage_daily_2019_03" not in usage_partitions(session)

    write(sessions, [usage(date(2019, 3, 5)), usage(date(2026, 11, 20))])

    assert placed(sessions) == [
        ("2019-03-05", "usage_daily_2019_03", 1_000),
        ("2026-11-20", "usage_daily_2026_11", 1_000),
    ]
    # A rolled-back import leaves no partition behind: it was created in the import's transaction.
    drop_partition(engine, date(2018, 6, 1))
    with sessions() as session:
        write_usage(session, [usage(date(2018, 6, 1))], prices=PRICES, source="csv", now=NOW)
        assert "usage_daily_2018_06" in usage_partitions(session)
        session.rollback()
    with sessions() as session:
        assert "usage_daily_2018_06" not in usage_partitions(session)


@postgres_only
def test_the_natural_key_still_deduplicates_across_reimports(sessions):
    week = [usage(date(2026, 11, 16 + n)) for n in range(7)]
    write(sessions, week)
    with sessions() as session:
        ids = session.scalars(select(UsageDaily.id).order_by(UsageDaily.day)).all()

    write(sessions, week)  # the same file again
    write(sessions, [usage(date(2026, 11, 18), tokens=5_000)])  # a revised day

    with sessions() as session:
        assert session.scalars(select(UsageDaily.id).order_by(UsageDaily.day)).all() == ids
    assert [tokens for _, _, tokens in placed(sessions)] == [1_000, 1_000, 5_000, 1_000, 1_000, 1_000, 1_000]


@postgres_only
def test_rows_in_the_default_partition_move_to_their_month_when_it_is_created(engine, sessions):
    # A row written around write_usage (a hand-made INSERT) for a month without a partition lands in DEFAULT;
    # the next import of that month creates the month, moves the row with its id, and upserts onto it.
    drop_partition(engine, date(2020, 2, 1))
    write(sessions, [usage(date(2026, 11, 20))])  # ada exists
    with sessions.begin() as session:
        ada = session.scalar(select(Person.id).where(Person.email == "ada@example.com"))
        session.execute(
            text(
                "INSERT INTO usage_daily (person_id, day, provider, model, input_tokens, cached_input_tokens,"
                " output_tokens, requests, cost_usd, cost_source, source, updated_at)"
                " VALUES (:ada, '2020-02-10', 'openai', 'gpt-4o', 7, 0, 1, 0, 0, 'reported', 'csv', :now)"
            ),
            {"ada": ada, "now": NOW},
        )
    assert placed(sessions)[0] == ("2020-02-10", "usage_daily_default", 7)
    with sessions() as session:
        stranded_id = session.scalar(select(UsageDaily.id).where(UsageDaily.day == date(2020, 2, 10)))

    write(sessions, [usage(date(2020, 2, 10), tokens=9), usage(date(2020, 2, 11))])

    assert placed(sessions)[:2] == [
        ("2020-02-10", "usage_daily_2020_02", 9),
        ("2020-02-11", "usage_daily_2020_02", 1_000),
    ]
    with sessions() as session:
        assert session.scalar(select(UsageDaily.id).where(UsageDaily.day == date(2020, 2, 10))) == stranded_id
        assert session.scalar(text("SELECT count(*) FROM usage_daily_default")) == 0


@postgres_only
def test_retention_drops_the_months_it_emptied_and_creates_the_next_ones(engine, sessions, database_url):
    drop_partition(engine, date(2027, 2, 1))
    write(sessions, [usage(date(2025, 7, 30)), usage(date(2025, 8, 2)), usage(date(2026, 11, 20))])
    settings = make_settings(database_url, retention_days=400)  # cutoff 2025-10-21 for NOW
    later = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)  # December: the next two months are January and February

    run_retention(sessions, settings, later)

    with sessions() as session:
        partitions = usage_partitions(session)
        assert "usage_daily_2025_07" not in partitions and "usage_daily_2025_08" not in partitions
        assert {
            "usage_daily_2026_11",
            "usage_daily_2026_12",
            "usage_daily_2027_01",
            "usage_daily_2027_02",
        } <= partitions
        assert session.scalar(text("SELECT sum(input_tokens) FROM anonymous_usage_daily")) == 2_000


@postgres_only
def test_the_migration_partitions_a_populated_table_keeping_ids_and_the_sequence(engine, sessions, database_url):
    config = _alembic_config(database_url)
    write(sessions, [usage(date(2026, 11, 20))])  # a person to own the rows
    command.downgrade(config, "0018")
    try:
        with engine.begin() as connection:
            assert connection.scalar(text("SELECT relkind FROM pg_class WHERE relname = 'usage_daily'")) == "r"
            person = connection.scalar(text("SELECT id FROM people"))
            connection.execute(text("TRUNCATE usage_daily RESTART IDENTITY"))
            for day in ("2024-01-31", "2024-02-01", "2026-11-20"):
                connection.execute(
                    text(
                        "INSERT INTO usage_daily (person_id, day, provider, model, input_tokens, cached_input_tokens,"
                        " output_tokens, requests, cost_usd, cost_source, source, updated_at) VALUES"
                        " (:person, :day, 'openai', 'gpt-4o', 1, 0, 1, 0, 0.5, 'reported', 'csv', :now)"
                    ),
                    {"person": person, "day": day, "now": NOW},
                )
            connection.execute(text("DELETE FROM usage_daily WHERE day = '2024-02-01'"))  # ids 1 and 3 remain
    finally:
        command.upgrade(config, "head")

    with sessions.begin() as session:
        assert is_partitioned(session)
        assert placed(sessions) == [("2024-01-31", "usage_daily_2024_01", 1), ("2026-11-20", "usage_daily_2026_11", 1)]
        assert session.scalars(select(UsageDaily.id).order_by(UsageDaily.id)).all() == [1, 3]
        session.add(
            UsageDaily(
                person_id=person,
                day=date(2026, 11, 21),
                provider="openai",
                model="gpt-4o",
                input_tokens=1,
                cached_input_tokens=0,
                output_tokens=1,
                requests=0,
                cost_usd=Decimal(0),
                cost_source="reported",
                source="csv",
                updated_at=NOW,
            )
        )
        session.flush()
        assert session.scalar(select(UsageDaily.id).where(UsageDaily.day == date(2026, 11, 21))) == 4
        # These rows were written around write_usage (no rollup): leave none for the fixture's rollup check.
        session.execute(text("DELETE FROM usage_daily"))
        session.execute(text("DELETE FROM usage_weekly"))
        session.execute(text("DELETE FROM usage_weekly_totals"))


def test_only_postgresql_is_partitioned(sessions):
    with sessions.begin() as session:
        postgresql = session.get_bind().dialect.name == "postgresql"
        assert is_partitioned(session) == postgresql
        if not postgresql:  # SQLite: one plain table, nothing to create
            assert ensure_usage_partitions(session, [date(2019, 3, 5)]) == []
            assert usage_partitions(session) == set()
