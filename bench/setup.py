"""Loading the benchmark organisation into a database: a fresh schema, people, artifacts."""

from __future__ import annotations

import csv
import os
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, delete, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.db.engine import make_engine, make_session_factory, upgrade
from bot.db.models import AppState, Artifact, PeriodFiguresBuild, Person
from bot.db.output_weekly import STATE_KEY as OUTPUT_STATE_KEY
from bot.db.output_weekly import rebuild_output_weekly
from bot.db.usage_partitions import ensure_usage_partitions, month_start, next_month
from bot.db.usage_weekly import rebuild_usage_weekly
from bot.domain.claims import DEFAULT_CLAIM_RULES
from bot.domain.periods import IsoWeek
from bot.ingest.csv_files import read_people
from bot.services.people import import_people
from bot.services.period_figures import ensure_period_figures
from bot.settings import Settings

# The benchmark's "now": a Wednesday; the last complete week is 2026-W47, the last week of usage.
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _create_database_if_missing(url: str) -> None:
    """A fresh machine has no bench database yet: create it (through the server's `postgres` database)."""
    target = make_url(url)
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            query = text("SELECT 1 FROM pg_database WHERE datname = :name")
            if not connection.scalar(query, {"name": target.database}):
                connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        server.dispose()


def reset(url: str) -> None:
    """An empty database at the current schema."""
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        for suffix in ("", "-wal", "-shm", "-journal"):
            if Path(f"{path}{suffix}").exists():
                os.unlink(f"{path}{suffix}")
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        _create_database_if_missing(url)
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)


def usage_partitions(url: str, first: date, last: date) -> int:
    """PostgreSQL: the monthly partitions of usage_daily for first…last, so the bulk loads (which write around
    write_usage) put the rows in their months, as the retention job's months ahead would; 0 on SQLite."""
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    engine = make_engine(url)
    try:
        with make_session_factory(engine).begin() as session:
            return len(ensure_usage_partitions(session, months))
    finally:
        engine.dispose()


def load_people(url: str, people_csv: Path) -> int:
    engine = make_engine(url)
    try:
        with make_session_factory(engine).begin() as session:
            records = read_people(people_csv)
            import_people(session, records, now=NOW)
        return len(records)
    finally:
        engine.dispose()


def email_ids(connection) -> dict[str, int]:
    return dict(connection.execute(select(Person.email, Person.id).where(Person.email.is_not(None))).all())


def load_artifacts(url: str, artifacts_csv: Path) -> int:
    """Artifacts inserted in bulk (they are setup here, not what is measured)."""
    engine = make_engine(url)
    count = 0
    try:
        with engine.begin() as connection:
            ids = email_ids(connection)
            batch: list[dict] = []
            with open(artifacts_csv, newline="", encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    batch.append(
                        {
                            "person_id": ids[row["email"]],
                            "week_start": date.fromisoformat(row["week_start"]),
                            "title": row["title"],
                            "url": row["url"],
                            "description": None,
                            "kind": row["kind"],
                            "hours_saved_per_week": Decimal(row["hours_saved_per_week"]),
                            "share_in_channel": False,
                            "tokens_snapshot": 0,
                            "spend_snapshot_usd": Decimal(0),
                            "work_units": Decimal(row["work_units"]),
                            "work_units_source": "default",
                            "created_at": NOW,
                            "updated_at": NOW,
                        }
                    )
                    if len(batch) >= 10_000:
                        connection.execute(insert(Artifact.__table__), batch)
                        count += len(batch)
                        batch.clear()
            if batch:
                connection.execute(insert(Artifact.__table__), batch)
                count += len(batch)
        return count
    finally:
        engine.dispose()


def rebuild_rollup(url: str) -> int:
    """The weekly rollups the bulk loads wrote behind the product's back, as `buildboard db rebuild-rollup` rebuilds
    them: usage (write_usage keeps it itself) and the counted output (the artifacts' bulk load forgot it)."""
    engine = make_engine(url)
    try:
        sessions = make_session_factory(engine)
        with sessions.begin() as session:
            rows = rebuild_usage_weekly(session)
        rebuild_output_weekly(sessions, DEFAULT_CLAIM_RULES.max_counted_artifacts)
        return rows
    finally:
        engine.dispose()


def build_period_figures_as_at_night(url: str) -> dict[int, int] | None:
    """Each person's sums over the usual team periods and the flag candidates, built as the nightly `team_reports`
    job (or the `period_figures` job, minutes after a write about everyone) leaves them for the morning: the
    benchmarks' bulk loads and imports are writes about everyone. None: they still held."""
    engine = make_engine(url)
    try:
        settings = Settings(database_url=url, _env_file=None)
        last = IsoWeek.last_complete(NOW, settings.zone)
        return ensure_period_figures(make_session_factory(engine), last, settings, NOW)
    finally:
        engine.dispose()


A_DAYS_SHARES = "bench: shared today"  # the title of the artifacts `share_a_days_output` writes


def share_a_days_output(url: str, people: list[int], week_start: date) -> int:
    """Artifacts shared by `people` (one each, in the week starting `week_start`), written through the ORM as the
    share modal writes them: writes about one person each, which kept period sums hold through (the people are
    summed from their weeks again). Removed by `forget_a_days_output`."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine).begin() as session:
            for person_id in people:
                session.add(
                    Artifact(
                        person_id=person_id,
                        week_start=week_start,
                        title=A_DAYS_SHARES,
                        description="a tool for the team",
                        kind="tool",
                        work_units=Decimal(1),
                        work_units_source="estimate",
                        created_at=NOW,
                        updated_at=NOW,
                    )
                )
        return len(people)
    finally:
        engine.dispose()


def forget_a_days_output(url: str) -> None:
    """Delete what `share_a_days_output` wrote, through the ORM (writes about one person each again)."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine).begin() as session:
            for artifact in session.scalars(select(Artifact).where(Artifact.title == A_DAYS_SHARES)):
                session.delete(artifact)
    finally:
        engine.dispose()


def forget_period_figures(session: Session) -> None:
    """Make `session`'s transaction read as if no period figures were built (every member's weeks summed): for
    timing both ways; roll the transaction back afterwards."""
    session.execute(delete(PeriodFiguresBuild))


def forget_kept_output(session: Session) -> None:
    """Make `session`'s transaction read counted output as if output_weekly were not kept (computed from
    artifacts, pull requests and endorsements): for timing both ways; roll the transaction back afterwards."""
    session.execute(delete(AppState).where(AppState.key == OUTPUT_STATE_KEY))


def analyze(url: str) -> None:
    """Fresh planner statistics after the bulk loads (autovacuum would get there on its own, later)."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    finally:
        engine.dispose()
