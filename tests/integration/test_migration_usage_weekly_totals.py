"""Migration 0024: usage_weekly_totals is filled from the rollup already stored, and dropped on downgrade."""

from datetime import date
from decimal import Decimal

from alembic import command
from sqlalchemy import inspect, text

from bot.db.engine import _alembic_config

# (week_start, person_id, tokens, cost_usd, active_days) as a database at 0023 holds them (costs exact in binary).
ROLLUP = [
    (date(2026, 11, 9), 1, 1_000, 1.25, 3),
    (date(2026, 11, 9), 2, 500, 0.5, 1),
    (date(2026, 11, 16), 1, 4_000, 7.125, 5),
]


def test_the_weeks_totals_are_filled_from_the_rollup(engine, sessions, database_url):
    config = _alembic_config(database_url)
    command.downgrade(config, "0023")
    try:
        with engine.begin() as connection:
            for person_id in (1, 2):
                connection.execute(
                    text(
                        "INSERT INTO people (id, email, in_org, active, nudges_enabled, public_opt_out, created_at,"
                        " updated_at) VALUES (:id, :email, true, true, true, false, :at, :at)"
                    ),
                    {"id": person_id, "email": f"p{person_id}@example.com", "at": "2026-11-20 10:00:00"},
                )
            for week, person_id, tokens, cost, days in ROLLUP:
                connection.execute(
                    text(
                        "INSERT INTO usage_weekly (week_start, person_id, tokens, cost_usd, active_days)"
                        " VALUES (:week, :person, :tokens, :cost, :days)"
                    ),
                    {"week": week, "person": person_id, "tokens": tokens, "cost": cost, "days": days},
                )
    finally:
        command.upgrade(config, "head")
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT week_start, tokens, cost_usd, active_people FROM usage_weekly_totals ORDER BY week_start")
        ).all()
    assert [(str(week), int(tokens), Decimal(str(cost)), people) for week, tokens, cost, people in rows] == [
        ("2026-11-09", 1_500, Decimal("1.75"), 2),
        ("2026-11-16", 4_000, Decimal("7.125"), 1),
    ]

    command.downgrade(config, "0023")
    try:
        assert "usage_weekly_totals" not in inspect(engine).get_table_names()
    finally:
        command.upgrade(config, "head")
    with engine.begin() as connection:  # written around the code: none stay for the checks after the test
        for table in ("usage_weekly_totals", "usage_weekly", "people"):
            connection.execute(text(f"DELETE FROM {table}"))
