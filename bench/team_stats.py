"""How `/buildboard team` scales: a manager of 5,000 people over 12 weeks against a team of 50.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python -m bench.team_stats

The database's tables are emptied first: point it at a scratch database. Prints the time and the
number of SQL statements for both sizes, and their ratios (statements must not grow with the team).

Then the audit trail: the rows one `/buildboard team` of the big manager wrote (one per view) against
the people it showed (a row each before audit_views), and "who looked at my numbers" (views_of) for one
person after `--views` views of random groups (with moves between them), against the same question
asked of the trail as it was before: one row per person seen, expanded from the same views, in a
scratch table with the old index.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import event, func, insert, select, text

from bot.db.engine import make_engine, make_session_factory, upgrade
from bot.db.models import AuditView, Base, OrgClosure, Person, UsageDaily
from bot.db.usage_weekly import rebuild_usage_weekly
from bot.domain.command_args import Target
from bot.domain.periods import IsoWeek, weeks_ending
from bot.domain.reports import ViewedGroup
from bot.services.audit import record_view, views_of, views_seen_by
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


# The trail as it was before audit_views: one row per person seen, the index views_of used.
_OLD_TRAIL = "bench_audit_events"
_HELD = "h.valid_from <= v.org_version AND (h.valid_to IS NULL OR h.valid_to > v.org_version)"


def _record_views(sessions, root: int, views: int, rng: random.Random) -> None:
    """`views` views of random groups below `root` over 80 days, moving someone every 500 views."""
    with sessions.begin() as session:
        managers = list(session.scalars(select(OrgClosure.ancestor_id).distinct()))
        people = list(session.scalars(select(OrgClosure.descendant_id).where(OrgClosure.ancestor_id == root)))
        for n in range(views):
            pick = rng.random()
            if pick < 0.6:
                group, action = ViewedGroup("tree", rng.choice(managers)), "team"
            elif pick < 0.9:
                group, action = ViewedGroup("person", rng.choice(people)), "user"
            elif pick < 0.99:
                group, action = ViewedGroup("team", team_key=rng.choice(["big", "small"])), "team"
            else:
                group, action = ViewedGroup("everyone"), "export"
            at = NOW - timedelta(days=80) + timedelta(minutes=n * 80 * 24 * 60 // views)
            record_view(session, viewer_id=root, group=group, action=action, detail=None, now=at)
            if n % 500 == 499:  # someone moves below another manager (not below themselves)
                mover = rng.choice(people)
                below = set(session.scalars(select(OrgClosure.descendant_id).where(OrgClosure.ancestor_id == mover)))
                session.get(Person, mover).manager_id = rng.choice([m for m in managers if m not in below | {mover}])


def _old_trail(sessions) -> int:
    """The same views written the old way (a row per person seen); returns its rows."""
    with sessions.begin() as session:
        session.execute(text(f"DROP TABLE IF EXISTS {_OLD_TRAIL}"))
        session.execute(
            text(
                f"CREATE TABLE {_OLD_TRAIL} (viewer_person_id INTEGER, viewer_slack_user_id VARCHAR(32), "
                "subject_person_id INTEGER, action VARCHAR(32), at TIMESTAMP WITH TIME ZONE)"
            )
        )
        columns = f"INSERT INTO {_OLD_TRAIL} (viewer_person_id, viewer_slack_user_id, subject_person_id, action, at) "
        for subject, source in (
            ("v.root_person_id", "audit_views v WHERE v.scope = 'person'"),
            (
                "h.descendant_id",
                "audit_views v JOIN (SELECT ancestor_id, descendant_id, valid_from, NULL AS valid_to FROM org_closure"
                " UNION ALL SELECT ancestor_id, descendant_id, valid_from, valid_to FROM org_closure_history) h"
                f" ON h.ancestor_id = v.root_person_id AND {_HELD} WHERE v.scope = 'tree'",
            ),
            (
                "h.person_id",
                f"audit_views v JOIN team_history h ON h.team_key = v.team_key AND {_HELD} WHERE v.scope = 'team'",
            ),
            ("h.person_id", f"audit_views v JOIN team_history h ON {_HELD} WHERE v.scope = 'everyone'"),
        ):
            session.execute(
                text(
                    f"{columns} SELECT v.viewer_person_id, v.viewer_slack_user_id, {subject}, v.action, v.at "
                    f"FROM {source} AND {subject} <> v.viewer_person_id"
                )
            )
        session.execute(text(f"CREATE INDEX ix_{_OLD_TRAIL}_subject_at ON {_OLD_TRAIL} (subject_person_id, at)"))
        return int(session.scalar(text(f"SELECT count(*) FROM {_OLD_TRAIL}")) or 0)


def _old_views_of(session, person_id: int) -> list:
    """views_of as it was: the person's own rows (index on subject, at), grouped by viewer and action."""
    return list(
        session.execute(
            text(
                "SELECT p.name, coalesce(p.slack_user_id, e.viewer_slack_user_id), e.action, count(*), max(e.at) "
                f"FROM {_OLD_TRAIL} e LEFT JOIN people p ON p.id = e.viewer_person_id "
                "WHERE e.subject_person_id = :person AND e.at >= :since "
                "GROUP BY e.viewer_person_id, e.viewer_slack_user_id, p.name, p.slack_user_id, e.action "
                "ORDER BY max(e.at) DESC"
            ),
            {"person": person_id, "since": NOW - timedelta(days=90)},
        )
    )


def _median_seconds(run, repeat: int = 25) -> float:
    run()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure_audit(sessions, engine, big: int, people: int, views: int) -> None:
    with sessions() as session:
        written = session.scalar(select(func.count()).select_from(AuditView))
        shown = len(list(session.scalars(select(OrgClosure.descendant_id).where(OrgClosure.ancestor_id == big))))
    print(f"audit rows per /buildboard team of the manager of {people}: {written} (a row per person seen: {shown})")
    _record_views(sessions, big, views, random.Random(7))
    old_rows = _old_trail(sessions)
    if engine.dialect.name == "postgresql":
        with sessions.begin() as session:
            session.execute(text("ANALYZE"))  # both trails with the statistics autovacuum would have given them
    with sessions() as session:
        # A person deep in the tree: below many of the managers whose trees were viewed.
        target = session.scalar(
            select(OrgClosure.descendant_id).where(OrgClosure.ancestor_id == big).order_by(OrgClosure.depth.desc())
        )
        new = views_of(session, target, now=NOW)
        old = _old_views_of(session, target)
        assert sum(v.times for v in new) == sum(int(row[3]) for row in old), "the two trails disagree"
        seen = session.scalar(select(func.count()).select_from(views_seen_by(target).subquery()))
        new_time = _median_seconds(lambda: views_of(session, target, now=NOW))
        old_time = _median_seconds(lambda: _old_views_of(session, target))
    print(
        f"after {views} views: audit_views {views + int(written or 0)} rows, a row per person seen {old_rows} rows "
        f"(×{old_rows / (views + int(written or 0)):.0f})"
    )
    print(
        f"views_of one person ({seen} views seen): {new_time * 1000:.2f} ms; the per-person trail: "
        f"{old_time * 1000:.2f} ms; ratio ×{new_time / old_time:.2f}"
    )
    with sessions.begin() as session:
        session.execute(text(f"DROP TABLE {_OLD_TRAIL}"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--small", type=int, default=50)
    parser.add_argument("--views", type=int, default=20_000)
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
    with sessions.begin() as session:
        session.execute(text("DELETE FROM audit_views"))
    measure(sessions, engine, big, settings)  # one /buildboard team of the big manager
    measure_audit(sessions, engine, big, args.people, args.views)
    engine.dispose()


if __name__ == "__main__":
    main()
