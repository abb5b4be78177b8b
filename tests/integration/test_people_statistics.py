"""A people import that more than doubles the table refreshes PostgreSQL's statistics of people in its transaction.

Without it, the statements after the people's rows (the closure, the team history) are planned from the last
ANALYZE's picture. With team_history vacuumed while empty, the team history's anti-join re-read its own growing
table for every person: 64 s instead of 0.5 s at 85,000 people. Times are the benchmark's; this checks the cause.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.ingest.people_store import ANALYZE_ABOVE
from bot.ingest.records import PersonRecord
from bot.services.people import import_people
from tests.conftest import NOW


def _records(first: int, count: int) -> list[PersonRecord]:
    boss = f"p{first}@example.com"
    return [
        PersonRecord(i + 2, f"p{i}@example.com", f"P{i}", "Red", None if i == first else boss, None, None)
        for i in range(first, first + count)
    ]


def _planned_people(session) -> float:
    return float(session.scalar(text("SELECT reltuples FROM pg_class WHERE oid = 'people'::regclass")))


def _vacuum_analyze(engine, *tables: str) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in tables:
            connection.execute(text(f"VACUUM ANALYZE {table}"))


@pytest.mark.postgres_only
def test_a_first_import_plans_with_its_own_people(engine, sessions):
    _vacuum_analyze(engine, "people", "team_history", "org_closure")  # the planner believes all three empty
    count = ANALYZE_ABOVE + 500
    with sessions.begin() as session:
        assert _planned_people(session) <= 0
        report = import_people(session, _records(0, count), now=NOW)
        assert report.added == count
        # Still inside the import's transaction: the statistics count its own, uncommitted rows.
        assert _planned_people(session) == count
        history = session.scalar(text("SELECT count(*) FROM team_history WHERE valid_to IS NULL"))
        assert history == count


@pytest.mark.postgres_only
def test_an_import_adding_fewer_than_the_table_holds_keeps_the_statistics(engine, sessions):
    count = ANALYZE_ABOVE + 500
    with sessions.begin() as session:
        import_people(session, _records(0, 2 * count), now=NOW)
    _vacuum_analyze(engine, "people")
    with sessions.begin() as session:
        assert _planned_people(session) == 2 * count
        report = import_people(session, _records(0, 3 * count), now=NOW)  # half as many again
        assert report.added == count
        assert _planned_people(session) == 2 * count  # left to autovacuum after the commit
