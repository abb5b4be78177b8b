"""Writing the people file: the people table made to match it in a few set-based statements.

Every person's id (new people get theirs up front) and their manager's id are resolved in Python,
the file's rows go into a temporary staging table keyed by id (COPY on PostgreSQL, executemany on
SQLite); the report's counts, the new people, the changed people and the departures are then each
one statement joining people to the staging table by id. At 400,000 people that is seconds and
a few megabytes beyond the records themselves, where one ORM object per person took a minute and
gigabytes. The org chart's closure table is kept in the same transaction: the few subtrees that
moved are moved in place, a large change rebuilds it, and the history the audit trail reads (who
was below whom, in which team) follows (bot/db/org_chart.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, text, update
from sqlalchemy.orm import Session

from bot.db.bulk_fill import indexes_built_after
from bot.db.models import Person
from bot.db.org_chart import REBUILD_ABOVE, apply_manager_changes, rebuild_org_closure, sync_team_history
from bot.db.value_sets import in_values
from bot.domain.text import team_key
from bot.ingest.records import PersonRecord

STAGING = "buildboard_people_import"
BATCH_ROWS = 20_000
# PostgreSQL: an import adding more people than this, and than the planner believes people holds,
# refreshes the planner's statistics of people.
ANALYZE_ABOVE = 1_000
SQLITE_CACHE_KB = 32 * 1024
_STAGED = (
    "person_id",
    "line",
    "is_new",
    "manager_id",
    "email",
    "name",
    "team",
    "team_key",
    "slack_user_id",
    "timezone",
    "github_login",
)


@dataclass
class PeopleWriteCounts:
    added: int = 0
    updated: int = 0
    moved: int = 0  # changed manager or team
    departed: int = 0
    matched_usage: int = 0  # unmatched provider identities that are now known people
    missing_slack_ids: list[int] = field(default_factory=list)  # in file order


def write_people(session: Session, records: Sequence[PersonRecord], *, now: datetime) -> PeopleWriteCounts:
    """Make the people table match `records` (the whole org chart) inside the caller's transaction."""
    session.flush()
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    distinct = "IS DISTINCT FROM" if postgres else "IS NOT"
    counts = PeopleWriteCounts()
    cache_pages = None
    if not postgres:
        # SQLite's default 2 MB page cache makes inserting hundreds of thousands of people into five
        # indexes (and sorting the org chart's closure) a disk-bound crawl; a larger one, for this write only.
        cache_pages = connection.exec_driver_sql("PRAGMA cache_size").scalar()
        connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KB}")
    _stage(connection, records, _person_ids(connection, records, postgres), postgres)  # the ids are not kept

    def run(sql: str, **values: object) -> Any:
        statement = text(sql)
        if "now" in values:
            statement = statement.bindparams(bindparam("now", type_=Person.__table__.c.updated_at.type))
        return connection.execute(statement, values)

    added, matched, updated = run(
        f"""
        SELECT
            coalesce(sum(CASE WHEN s.is_new THEN 1 ELSE 0 END), 0),
            coalesce(sum(CASE WHEN p.name IS NULL AND NOT p.in_org THEN 1 ELSE 0 END), 0),
            coalesce(sum(CASE WHEN NOT (p.name IS NULL AND NOT p.in_org)
                              AND (p.name {distinct} s.name OR p.team {distinct} s.team
                                   OR p.timezone {distinct} s.timezone OR p.github_login {distinct} s.github_login
                                   OR NOT p.in_org)
                         THEN 1 ELSE 0 END), 0)
        FROM {STAGING} s LEFT JOIN people p ON p.id = s.person_id
        """
    ).one()
    counts.added, counts.matched_usage, counts.updated = int(added), int(matched), int(updated)
    counts.moved = int(
        run(
            f"""
            SELECT count(*) FROM {STAGING} s JOIN people p ON p.id = s.person_id
            WHERE NOT s.is_new AND p.in_org AND (p.team {distinct} s.team OR p.manager_id {distinct} s.manager_id)
            """
        ).scalar_one()
    )
    # Whose manager changes, as far as the closure table needs to know (more than REBUILD_ABOVE: rebuild).
    changes: dict[int, int | None] = dict(
        (person, manager)
        for person, manager in run(
            f"""
            SELECT s.person_id, s.manager_id FROM {STAGING} s LEFT JOIN people p ON p.id = s.person_id
            WHERE p.manager_id {distinct} s.manager_id LIMIT {REBUILD_ABOVE + 1}
            """
        ).all()
    )
    not_listed = f"NOT EXISTS (SELECT 1 FROM {STAGING} s WHERE s.person_id = people.id)"
    departed = list(run(f"SELECT id FROM people WHERE in_org AND {not_listed}").scalars())
    counts.departed = len(departed)
    # Departures manage nobody any more; their reports in the file were re-parented by the file itself.
    orphaned: list[int] = []
    if departed:
        people = Person.__table__
        orphaned = list(
            connection.execute(
                select(people.c.id).where(text(not_listed), in_values(people.c.manager_id, departed))
            ).scalars()
        )

    if counts.added:
        # New people in their final form (ids given above, managers known): one write each;
        # first, as existing people may now report to them. No ORDER BY: the staging table holds them in
        # file order, which is id order (SQLite reads it by id anyway); PostgreSQL's sort of 85,000 rows
        # to the same order spilled to disk (120 ms). Into an empty table (a first import) the indexes and
        # the manager's foreign key are built after the rows (bot/db/bulk_fill.py).
        with indexes_built_after(connection, Person.__table__):
            run(
                f"""
                INSERT INTO people (id, email, name, team, team_key, timezone, slack_user_id, github_login,
                                    manager_id, in_org, active, nudges_enabled, public_opt_out, created_at, updated_at)
                SELECT person_id, email, name, team, team_key, timezone, slack_user_id, github_login, manager_id,
                       TRUE, TRUE, TRUE, FALSE, :now, :now
                FROM {STAGING} WHERE is_new
                """,
                now=now,
            )
    # Only rows the file changes are written (updated_at says when a row last changed), so importing
    # the same file again writes nothing.
    run(
        f"""
        UPDATE people SET name = s.name, team = s.team, team_key = s.team_key, timezone = s.timezone,
            github_login = s.github_login, in_org = TRUE,
            slack_user_id = coalesce(s.slack_user_id, people.slack_user_id),
            manager_id = s.manager_id, updated_at = :now
        FROM {STAGING} s
        WHERE people.id = s.person_id AND NOT s.is_new
          AND (people.name {distinct} s.name OR people.team {distinct} s.team
               OR people.team_key {distinct} s.team_key OR people.timezone {distinct} s.timezone
               OR people.github_login {distinct} s.github_login
               OR NOT people.in_org OR people.manager_id {distinct} s.manager_id
               OR (s.slack_user_id IS NOT NULL AND people.slack_user_id {distinct} s.slack_user_id))
        """,
        now=now,
    )
    if departed:
        connection.execute(update(Person).where(in_values(Person.id, departed)).values(in_org=False, updated_at=now))
        if orphaned:
            connection.execute(update(Person).where(in_values(Person.id, orphaned)).values(manager_id=None))
    if postgres and counts.added > ANALYZE_ABOVE and counts.added > _planned_people(connection):
        # The planner's picture of people is the last ANALYZE's, which can be a table of a few rows (or none)
        # before a first import. Every join planned from it, below and in the reports until autovacuum comes,
        # expects a near-empty people: the team history's anti-join once re-read its own growing table for
        # every person that way (64 s instead of 0.5 s at 85,000; sync_team_history now takes a set
        # difference, which no picture can turn quadratic). An import that more than doubles the table
        # refreshes the picture (about 0.3 s); ANALYZE counts this transaction's own rows.
        connection.exec_driver_sql("ANALYZE people")

    if len(changes) > REBUILD_ABOVE or len(orphaned) > REBUILD_ABOVE:
        rebuild_org_closure(connection)
    else:
        changes.update(dict.fromkeys(orphaned))
        apply_manager_changes(connection, changes)
    # Who is in which team, for the audit trail's team views (new people, changed teams).
    sync_team_history(connection)

    counts.missing_slack_ids = list(
        run(
            f"SELECT s.person_id FROM {STAGING} s JOIN people p ON p.id = s.person_id"
            " WHERE p.slack_user_id IS NULL ORDER BY s.line"
        ).scalars()
    )
    run(f"DROP TABLE {STAGING}")
    if cache_pages is not None:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(cache_pages)}")
    # The rows changed behind the ORM's back: people already loaded in this session are read again.
    for loaded in list(session.identity_map.values()):
        if isinstance(loaded, Person):
            session.expire(loaded)
    return counts


def _planned_people(connection: Connection) -> float:
    """PostgreSQL: how many rows the planner believes people holds (-1: never analyzed)."""
    return float(
        connection.exec_driver_sql("SELECT reltuples FROM pg_class WHERE oid = 'people'::regclass").scalar_one()
    )


def _person_ids(connection: Connection, records: Sequence[PersonRecord], postgres: bool) -> dict[str, tuple[int, bool]]:
    """Email → (person id, new): the stored ids, and ids given now, in file order, to the new people."""
    if not postgres:
        # Take SQLite's write lock first (a write that changes nothing), so no other connection adds
        # people between choosing the new ids and inserting them.
        connection.exec_driver_sql("UPDATE people SET id = id WHERE id IS NULL")
    stored: dict[str, int] = {
        email: person_id
        for email, person_id in connection.exec_driver_sql("SELECT email, id FROM people WHERE email IS NOT NULL")
    }
    ids: dict[str, tuple[int, bool]] = {}
    new = [r.email for r in records if r.email not in stored]
    fresh: Iterator[int]
    if not new:
        fresh = iter(())
    elif postgres:
        # One block of ids from the sequence. The lock (which readers do not notice) keeps every other
        # insert into people, and so every other nextval of its sequence, out until the commit.
        connection.exec_driver_sql("LOCK TABLE people IN SHARE ROW EXCLUSIVE MODE")
        first = int(connection.exec_driver_sql("SELECT nextval(pg_get_serial_sequence('people', 'id'))").scalar_one())
        connection.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('people', 'id'), %(last)s)", {"last": first + len(new) - 1}
        )
        fresh = iter(range(first, first + len(new)))
    else:
        start = int(connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM people").scalar_one()) + 1
        fresh = iter(range(start, start + len(new)))
    for record in records:
        known = stored.get(record.email)
        ids[record.email] = (known, False) if known is not None else (next(fresh), True)
    del stored
    return ids


def _stage(
    connection: Connection, records: Sequence[PersonRecord], ids: dict[str, tuple[int, bool]], postgres: bool
) -> None:
    """The file's rows in a temporary table (dropped at the end, and at commit or rollback on PostgreSQL)."""
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {'pg_temp.' if postgres else 'temp.'}{STAGING}")
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {STAGING} (person_id INTEGER PRIMARY KEY, line INTEGER NOT NULL,"
        " is_new BOOLEAN NOT NULL, manager_id INTEGER, email TEXT NOT NULL, name TEXT, team TEXT, team_key TEXT,"
        " slack_user_id TEXT, timezone TEXT, github_login TEXT)" + (" ON COMMIT DROP" if postgres else "")
    )
    keys: dict[str, str | None] = {}  # team → team_key, computed once per team

    def row(r: PersonRecord) -> tuple[object, ...]:
        key = keys.get(r.team)
        if key is None:
            key = keys[r.team] = team_key(r.team)
        person_id, is_new = ids[r.email]
        manager_id = ids[r.manager_email][0] if r.manager_email else None
        return (
            person_id,
            r.line,
            is_new,
            manager_id,
            r.email,
            r.name,
            r.team,
            key,
            r.slack_user_id,
            r.timezone,
            r.github_login,
        )

    if postgres:
        driver: Any = connection.connection.driver_connection
        statement = f"COPY {STAGING} ({', '.join(_STAGED)}) FROM STDIN"
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for record in records:
                copy.write_row(row(record))
        return
    insert = f"INSERT INTO {STAGING} ({', '.join(_STAGED)}) VALUES ({', '.join('?' * len(_STAGED))})"
    for start in range(0, len(records), BATCH_ROWS):
        connection.exec_driver_sql(insert, [row(r) for r in records[start : start + BATCH_ROWS]])
