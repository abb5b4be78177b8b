"""Keeping org_closure (the org chart's closure table) equal to the chart in people.manager_id.

Every write that changes a manager keeps the closure in its own transaction:
- an ORM flush that adds a person with a manager, changes `Person.manager_id` or deletes a person
  (the `after_flush` hook below);
- a bulk statement on people through a session that sets manager_id (an INSERT of many rows, an
  UPDATE … SET manager_id) rebuilds the table after it ran (the `do_orm_execute` hook below);
- the product's own bulk writes (the people import, erasure) know what they changed: they pass the
  execution option `KEPT` to their statements and call `apply_manager_changes` or
  `rebuild_org_closure` themselves.

Small changes are applied in place, one subtree at a time (detach from the old ancestors, then
attach below the new manager); a large one rebuilds the table from a walk of the whole chart (one
recursive INSERT … SELECT on SQLite; on PostgreSQL a walk in Python whose pairs are COPYed in).

The same writes keep the history the audit trail reads ("who was in that group when it was viewed"),
in the same transaction: every change raises the org chart's version (org_chart_version) and
- org_closure: a pair entering it is written with valid_from (the version); one leaving it moves to
  org_closure_history with valid_to (in-place moves move exactly the pairs they delete; a rebuild
  compares the new closure with the old and writes only the pairs that differ), so a chart is written
  once, not once into the closure and again into its history;
- team_history: each person's team_key, one open row per person (new people, team changes, deletions),
  kept by the ORM hooks below and by `sync_team_history`, which the people import calls.
Erasure takes a forgotten person out of both (`forget_in_history`).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import Connection, event, except_, exists, insert, inspect, literal, select, text, update
from sqlalchemy.orm import Session

from bot.db.bulk_fill import indexes_built_after
from bot.db.models import OrgChartVersion, OrgClosure, OrgClosureHistory, Person, TeamHistory
from bot.db.value_sets import of_members

# More changed managers than this in one write: one rebuild is cheaper than a subtree move each.
REBUILD_ABOVE = 200
# Deeper than any organisation: a cycle (which the people import refuses) ends in an error, not a hang.
MAX_DEPTH = 1000

_TABLE = OrgClosure.__tablename__
_HISTORY = OrgClosureHistory.__tablename__
_TEAMS = TeamHistory.__tablename__
_VERSION = OrgChartVersion.__tablename__
# Execution option of a statement on people whose writer keeps org_closure itself.
KEPT = {"org_closure_kept": True}

_WALK = f"""
    WITH RECURSIVE walk(ancestor_id, descendant_id, depth) AS (
        SELECT manager_id, id, 1 FROM people WHERE manager_id IS NOT NULL
        UNION ALL
        SELECT walk.ancestor_id, people.id, walk.depth + 1
        FROM walk JOIN people ON people.manager_id = walk.descendant_id
        WHERE walk.depth < {MAX_DEPTH}
    )
"""
# SQLite: an empty closure (the first import) is filled straight from the walk, in key order.
_FILL = text(
    f"INSERT INTO {_TABLE} (ancestor_id, descendant_id, depth, valid_from) {_WALK} "
    "SELECT ancestor_id, descendant_id, depth, :version FROM walk ORDER BY ancestor_id, descendant_id"
)
# Otherwise the walk goes into a staging table and only the pairs that differ are written.
_STAGED = "buildboard_closure_rebuild"
_STAGE = text(f"INSERT INTO {_STAGED} (ancestor_id, descendant_id, depth) {_WALK} SELECT * FROM walk")
# PostgreSQL walks the chart in Python and COPYs the pairs (see `_copy_walked_pairs`); lines per write.
COPY_CHUNK_LINES = 50_000
_MANAGED = text("SELECT id, manager_id FROM people WHERE manager_id IS NOT NULL ORDER BY id")
_END_GONE = text(
    f"INSERT INTO {_HISTORY} (ancestor_id, descendant_id, valid_from, valid_to) "
    f"SELECT c.ancestor_id, c.descendant_id, c.valid_from, :version FROM {_TABLE} c WHERE NOT EXISTS ("
    f"SELECT 1 FROM {_STAGED} n WHERE n.ancestor_id = c.ancestor_id AND n.descendant_id = c.descendant_id)"
)
_DELETE_GONE = text(
    f"DELETE FROM {_TABLE} WHERE NOT EXISTS (SELECT 1 FROM {_STAGED} n"
    f" WHERE n.ancestor_id = {_TABLE}.ancestor_id AND n.descendant_id = {_TABLE}.descendant_id)"
)
# A pair still held whose path grew or shrank keeps its valid_from: it was held all along.
_NEW_DEPTHS = text(
    f"UPDATE {_TABLE} SET depth = n.depth FROM {_STAGED} n WHERE n.ancestor_id = {_TABLE}.ancestor_id"
    f" AND n.descendant_id = {_TABLE}.descendant_id AND n.depth <> {_TABLE}.depth"
)
_ADD_NEW = text(
    f"INSERT INTO {_TABLE} (ancestor_id, descendant_id, depth, valid_from) "
    f"SELECT n.ancestor_id, n.descendant_id, n.depth, :version FROM {_STAGED} n WHERE NOT EXISTS ("
    f"SELECT 1 FROM {_TABLE} c WHERE c.ancestor_id = n.ancestor_id AND c.descendant_id = n.descendant_id)"
)

# The pairs that cut `person` and everyone below them off from everyone above them.
_DETACHED = f"""
    ancestor_id IN (SELECT ancestor_id FROM {_TABLE} WHERE descendant_id = :person)
    AND (descendant_id = :person
         OR descendant_id IN (SELECT descendant_id FROM {_TABLE} WHERE ancestor_id = :person))
"""
_DETACH = text(f"DELETE FROM {_TABLE} WHERE {_DETACHED}")
# Before the DELETE: the same pairs end at this version.
_END_DETACHED = text(
    f"INSERT INTO {_HISTORY} (ancestor_id, descendant_id, valid_from, valid_to) "
    f"SELECT ancestor_id, descendant_id, valid_from, :version FROM {_TABLE} WHERE {_DETACHED}"
)

# The pairs that put `person` (a root of the chart as stored) and everyone below them below `manager` and
# their ancestors, held from this version.
_ATTACH = text(
    f"""
    INSERT INTO {_TABLE} (ancestor_id, descendant_id, depth, valid_from)
    SELECT above.ancestor_id, below.descendant_id, above.depth + below.depth + 1, :version
    FROM (SELECT CAST(:manager AS INTEGER) AS ancestor_id, 0 AS depth
          UNION ALL SELECT ancestor_id, depth FROM {_TABLE} WHERE descendant_id = :manager) AS above
    CROSS JOIN (SELECT CAST(:person AS INTEGER) AS descendant_id, 0 AS depth
          UNION ALL SELECT descendant_id, depth FROM {_TABLE} WHERE ancestor_id = :person) AS below
    """
)

# The version is raised in one statement that also creates the row (tests empty every table).
_RAISE_VERSION = text(
    f"INSERT INTO {_VERSION} (id, version) VALUES (1, 1) "
    f"ON CONFLICT (id) DO UPDATE SET version = {_VERSION}.version + 1 RETURNING version"
)


def raise_version(connection: Connection) -> int:
    """Raise the org chart's version in the caller's transaction; returns the new one (history rows use it)."""
    return int(connection.execute(_RAISE_VERSION).scalar_one())


def _connection(where: Session | Connection) -> Connection:
    connection = where.connection() if isinstance(where, Session) else where
    if connection.dialect.name == "postgresql":
        # One writer of the closure at a time (until the commit), so two changes at once cannot each
        # move subtrees from a state the other is changing; readers are not held up by this lock.
        connection.execute(text(f"LOCK TABLE {_TABLE} IN SHARE ROW EXCLUSIVE MODE"))
    return connection


def rebuild_org_closure(where: Session | Connection) -> int:
    """Rebuild org_closure from people.manager_id in the caller's transaction; returns its rows.

    Pairs held before and after keep their valid_from; pairs that ended move to the history.
    """
    connection = _connection(where)
    sqlite = connection.dialect.name == "sqlite"
    version = {"version": raise_version(connection)}
    if connection.execute(text(f"SELECT 1 FROM {_TABLE} LIMIT 1")).first() is None:
        # An empty closure (a first import): its indexes are built after its pairs (bot/db/bulk_fill.py);
        # on SQLite the pairs are appended in key order (the table is clustered by its key).
        with indexes_built_after(connection, OrgClosure.__table__, drop_primary_key=True):
            if sqlite:
                return int(connection.execute(_FILL, version).rowcount or 0)
            return _copy_walked_pairs(connection, _TABLE, version["version"])
    connection.execute(text(f"DROP TABLE IF EXISTS {'temp' if sqlite else 'pg_temp'}.{_STAGED}"))
    connection.execute(
        text(
            f"CREATE TEMPORARY TABLE {_STAGED} (ancestor_id INTEGER NOT NULL, descendant_id INTEGER NOT NULL,"
            " depth INTEGER NOT NULL, PRIMARY KEY (ancestor_id, descendant_id))" + ("" if sqlite else " ON COMMIT DROP")
        )
    )
    rows = int(connection.execute(_STAGE).rowcount or 0) if sqlite else _copy_walked_pairs(connection, _STAGED)
    connection.execute(_END_GONE, version)
    connection.execute(_DELETE_GONE)
    connection.execute(_NEW_DEPTHS)
    connection.execute(_ADD_NEW, version)
    connection.execute(text(f"DROP TABLE {_STAGED}"))
    return rows


def _copy_walked_pairs(connection: Connection, table: str, valid_from: int | None = None) -> int:
    """PostgreSQL: every (ancestor, descendant, depth) pair of the chart in people.manager_id COPYed into
    `table` (with `valid_from`, when given); returns the pairs.

    The walk runs here, not in a recursive query: reading who manages whom is one scan of people, and
    walking up from each person costs as many steps as the pairs it writes. At 85,000 people (530,596
    pairs) the recursive INSERT … SELECT took 3.0 s, this 2.0 s, almost all of it PostgreSQL inserting.
    """
    # Who manages whom, as arrays in id order (a dict of a million people cost 170 MB more at the peak).
    people, managers = array("i"), array("i")
    for person, manager in connection.execute(_MANAGED.execution_options(yield_per=COPY_CHUNK_LINES)):
        people.append(person)
        managers.append(manager)
    # Where each person's manager is listed in `people`, -1 for a manager nobody manages.
    up = array("i", (_position(people, manager) for manager in managers))
    suffix = "\n" if valid_from is None else f"\t{valid_from}\n"
    columns = "ancestor_id, descendant_id, depth" + ("" if valid_from is None else ", valid_from")
    driver: Any = connection.connection.driver_connection
    pairs = 0
    with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        lines: list[str] = []
        for at, person in enumerate(people):
            depth = 1
            while at >= 0:  # up the chain: this person's manager, their manager, …
                if depth > MAX_DEPTH:
                    raise ValueError(f"people.manager_id holds a management cycle above person {person}")
                lines.append(f"{managers[at]}\t{person}\t{depth}{suffix}")
                at = up[at]
                depth += 1
            if len(lines) >= COPY_CHUNK_LINES:
                pairs += len(lines)
                copy.write("".join(lines))
                lines.clear()
        pairs += len(lines)
        copy.write("".join(lines))
    return pairs


def _position(people: array[int], person: int) -> int:
    at = bisect_left(people, person)
    return at if at < len(people) and people[at] == person else -1


def apply_manager_changes(where: Session | Connection, changes: Mapping[int, int | None]) -> None:
    """Bring org_closure from the chart before `changes` (person id → new manager id, None: nobody) to after.

    Call it once the people rows hold the new managers: a large change rebuilds from them; a small
    one moves each changed person's subtree, which needs the closure as it was before the change.
    """
    if not changes:
        return
    connection = _connection(where)
    if len(changes) > REBUILD_ABOVE:
        rebuild_org_closure(connection)
        return
    version = raise_version(connection)
    # Detach every moved subtree first, then attach them: attaching in any order is then correct,
    # even when people swap places (a manager moved below their former report).
    for person in changes:
        connection.execute(_END_DETACHED, {"person": person, "version": version})
        connection.execute(_DETACH, {"person": person})
    for person, manager in changes.items():
        if manager is not None:
            connection.execute(_ATTACH, {"person": person, "manager": manager, "version": version})


def sync_team_history(where: Session | Connection, person_ids: Collection[int] | None = None) -> None:
    """Bring team_history's open rows to people.team_key as stored now (of `person_ids`, or of everyone).

    A person whose team changed (or who was deleted) has their open row end at a new version; a person
    without an open row (new, or just changed) gets one from it. Two set-based statements.
    """
    connection = where.connection() if isinstance(where, Session) else where
    if person_ids is not None and not person_ids:
        return
    # Any number of ids is one bound parameter (value_sets: an array, or JSON on SQLite): a flush that
    # changed 70,000 people would pass PostgreSQL's 65,535 parameters as an IN list.
    only_history, only_people = of_members(TeamHistory.person_id, person_ids), of_members(Person.id, person_ids)
    version = raise_version(connection)
    same_team = exists().where(
        Person.id == TeamHistory.person_id, Person.team_key.is_not_distinct_from(TeamHistory.team_key)
    )
    connection.execute(
        update(TeamHistory).where(TeamHistory.valid_to.is_(None), *only_history, ~same_team).values(valid_to=version)
    )
    # After the UPDATE every open row agrees with people, so "people without an open row" is a set
    # difference (NULL teams compare equal in one). A set operation reads both sides before it yields a
    # row, whatever the statistics say; a NOT EXISTS join planned on a team_history believed empty
    # re-scanned the table it was filling once per person (3.1 s at 20,000 people, quadratic).
    missing = except_(
        select(Person.id, Person.team_key).where(*only_people),
        select(TeamHistory.person_id, TeamHistory.team_key).where(TeamHistory.valid_to.is_(None), *only_history),
    ).subquery()
    # An empty history (a first import) gets its indexes built after its rows (bot/db/bulk_fill.py).
    with indexes_built_after(connection, TeamHistory.__table__, drop_primary_key=True):
        connection.execute(
            insert(TeamHistory).from_select(
                ["person_id", "team_key", "valid_from"], select(missing.c.id, missing.c.team_key, literal(version))
            )
        )


def forget_in_history(where: Session | Connection, person_id: int) -> int:
    """Erasure: take `person_id` out of the org chart's history; returns the history rows changed.

    Their own places (below whom, in which team) go. Their place above others stays as an unlinked
    stand-in id (a negative number, never a person), in the history and in the views of their tree,
    so the people below them keep seeing who looked at their numbers, and nothing leads to the
    forgotten person's row (whose usage stays in the totals). Call it once the closure no longer
    holds them (erasure moves their reports up and clears their manager first).
    """
    connection = where.connection() if isinstance(where, Session) else where
    changed = int(
        connection.execute(text(f"DELETE FROM {_HISTORY} WHERE descendant_id = :p"), {"p": person_id}).rowcount or 0
    )
    # Their teams go; the open row (no team, as the people row now says) stays: they are still a row of people.
    changed += int(
        connection.execute(
            text(f"DELETE FROM {_TEAMS} WHERE person_id = :p AND (valid_to IS NOT NULL OR team_key IS NOT NULL)"),
            {"p": person_id},
        ).rowcount
        or 0
    )
    sync_team_history(connection, [person_id])
    stand_in = int(
        connection.execute(
            text(
                f"SELECT min(low) - 1 FROM (SELECT 0 AS low UNION ALL SELECT min(ancestor_id) FROM {_HISTORY}"
                " UNION ALL SELECT min(root_person_id) FROM audit_views) AS lows"
            )
        ).scalar_one()
    )
    changed += int(
        connection.execute(
            text(f"UPDATE {_HISTORY} SET ancestor_id = :stand_in WHERE ancestor_id = :p"),
            {"p": person_id, "stand_in": stand_in},
        ).rowcount
        or 0
    )
    connection.execute(
        text("UPDATE audit_views SET root_person_id = :stand_in WHERE scope = 'tree' AND root_person_id = :p"),
        {"p": person_id, "stand_in": stand_in},
    )
    return changed


def org_changes_in_flush(session: Session) -> None:
    """Called after an ORM flush: apply the managers it set, or rebuild when it deleted people; keep their teams."""
    changes: dict[int, int | None] = {}
    teams: set[int] = set()
    for person in session.new:
        if isinstance(person, Person):
            teams.add(person.id)
            if person.manager_id is not None:
                changes[person.id] = person.manager_id
    for person in session.dirty:
        if isinstance(person, Person) and _manager_changed(person):
            changes[person.id] = person.manager_id
        if isinstance(person, Person) and _changed(person, "team_key"):
            teams.add(person.id)
    teams.update(gone.id for gone in session.deleted if isinstance(gone, Person))
    sync_team_history(session, teams)
    if any(isinstance(gone, Person) for gone in session.deleted):
        # Their reports' manager_id went NULL in the database (ON DELETE SET NULL): rebuild from the rows.
        rebuild_org_closure(session)
        return
    apply_manager_changes(session, changes)


def statement_sets_managers(statement: Any, parameters: Any, options: Mapping[str, Any]) -> bool:
    """True for an INSERT, UPDATE or DELETE on people that may change the chart and does not keep org_closure."""
    table = getattr(statement, "table", None)
    if getattr(table, "name", None) != Person.__tablename__ or options.get("org_closure_kept"):
        return False
    if getattr(statement, "is_delete", False):
        return True
    if not (getattr(statement, "is_insert", False) or getattr(statement, "is_update", False)):
        return False
    named = {getattr(key, "key", key) for key in (getattr(statement, "_values", None) or {})}
    for row in parameters if isinstance(parameters, list) else [parameters]:
        named.update(row or {})
    return "manager_id" in named


def statement_sets_teams(statement: Any, parameters: Any, options: Mapping[str, Any]) -> bool:
    """True for an INSERT or DELETE on people, or an UPDATE setting a team, whose writer does not keep team_history."""
    table = getattr(statement, "table", None)
    if getattr(table, "name", None) != Person.__tablename__ or options.get("org_closure_kept"):
        return False
    if getattr(statement, "is_delete", False) or getattr(statement, "is_insert", False):
        return True
    if not getattr(statement, "is_update", False):
        return False
    named = {getattr(key, "key", key) for key in (getattr(statement, "_values", None) or {})}
    for row in parameters if isinstance(parameters, list) else [parameters]:
        named.update(row or {})
    return bool(named & {"team", "team_key"})


def _manager_changed(person: Person) -> bool:
    return _changed(person, "manager_id")


def _changed(person: Person, attribute: str) -> bool:
    state: Any = inspect(person)
    history = state.attrs[attribute].history
    return bool(history.added or history.deleted)


# The hooks hold for every Session: bot/db/engine.py imports this module, so they are installed
# wherever an engine is made.


@event.listens_for(Session, "after_flush")
def _keep_closure_after_flush(session: Session, _context: Any) -> None:
    org_changes_in_flush(session)


@event.listens_for(Session, "do_orm_execute")
def _keep_closure_after_bulk_statement(state: Any) -> Any:
    """A bulk INSERT, UPDATE or DELETE of people that may change managers (teams) rebuilds org_closure (team
    history) once it ran."""
    managers = statement_sets_managers(state.statement, state.parameters, state.execution_options)
    teams = statement_sets_teams(state.statement, state.parameters, state.execution_options)
    if not (managers or teams):
        return None
    result = state.invoke_statement()
    try:
        rows = result.freeze()  # RETURNING rows are read before the rebuild uses the connection
    except NotImplementedError:  # no rows to read (no RETURNING)
        rows = None
    if managers:
        rebuild_org_closure(state.session)
    if teams:
        sync_team_history(state.session)
    return result if rows is None else rows()
