"""How the digest's cost grows with the organisation: prints time ratios, not pass/fail.

    .venv/bin/python -m bench.digest_scale [--database-url URL] [--sizes 10000,20000,40000,85000]

Each size gets a fresh organisation (one usage day per person, every 50th person active all week,
one in seven sharing an artifact), inserted with INSERT … SELECT in the database. Linear growth
reads as a time ratio close to the size ratio.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Date, String, cast, func, insert, literal, or_, select, text, union_all

from bot.db.engine import make_engine, make_session_factory, upgrade
from bot.db.models import Artifact, Base, Person, UsageDaily, UtcDateTime
from bot.db.usage_weekly import rebuild_usage_weekly
from bot.domain.periods import IsoWeek
from bot.services.digest import compute_digest
from bot.settings import Settings

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
WEEK = IsoWeek(2026, 47)


def populate(sessions, people: int) -> None:
    n = select(literal(0).label("i")).cte("n", recursive=True)
    n = n.union_all(select(n.c.i + 1).where(n.c.i < people - 1))
    number = cast(n.c.i, String)
    now = literal(NOW, UtcDateTime())
    days = union_all(
        *[select(literal(d).label("idx"), literal(WEEK.start + timedelta(days=d), Date).label("day")) for d in range(7)]
    ).cte("days")
    with sessions.begin() as session:
        session.execute(
            insert(Person.__table__).from_select(
                ["email", "name", "team", "slack_user_id", "in_org", "active", "public_opt_out", "created_at"]
                + ["updated_at"],
                select(
                    literal("p").concat(number).concat("@bench.example.com"),
                    literal("Person ").concat(number),
                    literal("Team ").concat(cast(n.c.i % 500, String)),
                    literal("U").concat(number),
                    literal(True),
                    literal(True),
                    (n.c.i % 11) == 0,
                    now,
                    now,
                ),
            )
        )
        usage_columns = ["person_id", "day", "provider", "model", "input_tokens", "cached_input_tokens"]
        usage_columns += ["output_tokens", "requests", "cost_usd", "cost_source", "source", "updated_at"]
        session.execute(
            insert(UsageDaily.__table__).from_select(
                usage_columns,
                select(
                    Person.id,
                    days.c.day,
                    literal("openai"),
                    literal("gpt-4o"),
                    Person.id + 1000,
                    literal(0),
                    literal(100),
                    literal(1),
                    literal(1) + Person.id % 97,
                    literal("reported"),
                    literal("csv"),
                    now,
                )
                .select_from(Person)
                .join(days, or_(days.c.idx == 0, Person.id % 50 == 0)),
            )
        )
        artifact_columns = ["person_id", "week_start", "title", "url", "description", "kind", "share_in_channel"]
        artifact_columns += ["tokens_snapshot", "spend_snapshot_usd", "work_units", "work_units_source"]
        session.execute(
            insert(Artifact.__table__).from_select(
                [*artifact_columns, "created_at", "updated_at"],
                select(
                    Person.id,
                    literal(WEEK.start, Date),
                    literal("A thing"),
                    literal("https://example.com/a"),
                    literal("d"),
                    literal("tool"),
                    literal(False),
                    literal(0),
                    literal(0),
                    literal(1) + Person.id % 5,
                    literal("default"),
                    now,
                    now,
                ).where(Person.id % 7 == 0),
            )
        )
        rebuild_usage_weekly(session)  # the rows above bypassed write_usage
        assert session.scalar(select(func.count()).select_from(Person)) == people


def clear(engine) -> None:
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(text(f"DELETE FROM {table.name}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a temporary SQLite file (PostgreSQL: its tables are emptied)")
    parser.add_argument("--sizes", default="10000,20000,40000,85000")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='bb-bench-')) / 'bench.db'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    settings = Settings(database_url=url, _env_file=None)
    base = None
    for size in (int(s) for s in args.sizes.split(",")):
        clear(engine)
        populate(sessions, size)
        started = time.perf_counter()
        with sessions() as session:
            digest = compute_digest(session, WEEK, settings)
        took = time.perf_counter() - started
        base = base or (size, took)
        print(
            f"{size:>7,} people: digest computed in {took:6.2f}s · size ×{size / base[0]:.1f} → time "
            f"×{took / base[1]:.1f} · {len(digest.leaderboard)} on the board, {len(digest.titles)} titles"
        )
    engine.dispose()


if __name__ == "__main__":
    main()
