"""How `/buildboard team` scales: a manager of 5,000 people over 12 weeks against a team of 50.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python -m bench.team_stats

The database's tables are emptied first: point it at a scratch database. Prints the time and the
number of SQL statements for both sizes, and their ratios (statements must not grow with the team).
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import event, insert, text

from bot.db.engine import make_engine, make_session_factory, upgrade
from bot.db.models import Base, Person, UsageDaily
from bot.db.usage_weekly import rebuild_usage_weekly
from bot.domain.command_args import Target
from bot.domain.periods import IsoWeek, weeks_ending
from bot.services.authority import Viewer
from bot.services.team import team_answer
from bot.settings import Settings

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def grow(session, size: int, label: str, days) -> int:
    root = Person(email=f"root@{label}", name=f"Root {label}", team=label, created_at=NOW, updated_at=NOW)
    session.add(root)
    session.flush()
    parents, made, everyone = [root.id], 0, [root.id]
    while made < size:
        batch = []
        for parent in parents:
            for _ in range(8):
                if made < size:
                    made += 1
                    batch.append(
                        {
                            "email": f"p{made}@{label}",
                            "name": f"P{made}",
                            "team": label,
                            "manager_id": parent,
                            "in_org": True,
                            "active": True,
                            "nudges_enabled": True,
                            "public_opt_out": False,
                            "created_at": NOW,
                            "updated_at": NOW,
                        }
                    )
        parents = list(session.scalars(insert(Person).returning(Person.id), batch))
        everyone += parents
    rows = [
        {
            "person_id": pid,
            "day": day,
            "provider": "openai",
            "model": "gpt-4o",
            "input_tokens": 1000 + pid % 97,
            "output_tokens": 100,
            "cost_usd": Decimal("0.75"),
            "cost_source": "reported",
            "source": "csv",
            "updated_at": NOW,
        }
        for pid in everyone
        for day in days
    ]
    for start in range(0, len(rows), 20_000):
        session.execute(insert(UsageDaily), rows[start : start + 20_000])
    return root.id


def measure(sessions, engine, root: int, settings: Settings) -> tuple[float, int]:
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    started = time.perf_counter()
    with sessions.begin() as session:
        team_answer(session, Viewer(root, False), Target(), 12, settings, now=NOW)
    elapsed = time.perf_counter() - started
    event.remove(engine, "before_cursor_execute", count)
    return elapsed, len(statements)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--small", type=int, default=50)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "sqlite:///bench-team.db")
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(text(f"DELETE FROM {table.name}"))
    weeks = weeks_ending(IsoWeek.last_complete(NOW, Settings(_env_file=None).zone), 24)
    days = [w.start + timedelta(days=d) for w in weeks for d in (0, 2, 4)]
    with sessions.begin() as session:
        small = grow(session, args.small, "small", days)
        big = grow(session, args.people, "big", days)
        rebuild_usage_weekly(session)  # the rows above bypassed write_usage
    settings = Settings(database_url=url, _env_file=None)
    measure(sessions, engine, small, settings)  # warm-up
    small_time, small_statements = measure(sessions, engine, small, settings)
    big_time, big_statements = measure(sessions, engine, big, settings)
    print(f"database: {engine.dialect.name}; 12 weeks; 24 weeks of usage, 3 days a week")
    print(f"team of {args.small + 1}: {small_time * 1000:.0f} ms, {small_statements} SQL statements")
    print(f"team of {args.people + 1}: {big_time * 1000:.0f} ms, {big_statements} SQL statements")
    print(f"ratio: time ×{big_time / small_time:.1f}, statements ×{big_statements / small_statements:.2f}")
    engine.dispose()


if __name__ == "__main__":
    main()
