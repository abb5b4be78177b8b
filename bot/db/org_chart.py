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
attach below the new manager); a large one rebuilds the table with one recursive INSERT … SELECT.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.orm import Session

from bot.db.models import OrgClosure, Person

# More changed managers than this in one write: one rebuild is cheaper than a subtree move each.
REBUILD_ABOVE = 200
# Deeper than any organisation: a cycle (which the people import refuses) ends in an error, not a hang.
MAX_DEPTH = 1000

_TABLE = OrgClosure.__tablename__
_BY_DESCENDANT = "ix_org_closure_descendant_ancestor"
# Execution option of a statement on people whose writer keeps org_closure itself.
KEPT = {"org_closure_kept": True}

_REBUILD = text(
    f"""
    INSERT INTO {_TABLE} (ancestor_id, descendant_id, depth)
    WITH RECURSIVE walk(ancestor_id, descendant_id, depth) AS (
        SELECT manager_id, id, 1 FROM people WHERE manager_id IS NOT NULL
        UNION ALL
        SELECT walk.ancestor_id, people.id, walk.depth + 1
        FROM walk JOIN people ON people.manager_id = walk.descendant_id
        WHERE walk.depth < {MAX_DEPTH}
    )
    SELECT ancestor_id, descendant_id, depth FROM walk
    """
)

# Cut `person` and everyone below them off from everyone above them.
_DETACH = text(
    f"""
    DELETE FROM {_TABLE}
    WHERE ancestor_id IN (SELECT ancestor_id FROM {_TABLE} WHERE descendant_id = :person)
      AND (descendant_id = :person
           OR descendant_id IN (SELECT descendant_id FROM {_TABLE} WHERE ancestor_id = :person))
    """
)

# Put `person` (a root of the chart as stored) and everyone below them below `manager` and their ancestors.
_ATTACH = text(
    f"""
    INSERT INTO {_TABLE} (ancestor_id, descendant_id, depth)
    SELECT above.ancestor_id, below.descendant_id, above.depth + below.depth + 1
    FROM (SELECT CAST(:manager AS INTEGER) AS ancestor_id, 0 AS depth
          UNION ALL SELECT ancestor_id, depth FROM {_TABLE} WHERE descendant_id = :manager) AS above
    CROSS JOIN (SELECT CAST(:person AS INTEGER) AS descendant_id, 0 AS depth
          UNION ALL SELECT descendant_id, depth FROM {_TABLE} WHERE ancestor_id = :person) AS below
    """
)


def _connection(where: Session | Connection) -> Connection:
    connection = where.connection() if isinstance(where, Session) else where
    if connection.dialect.name == "postgresql":
        # One writer of the closure at a time (until the commit), so two changes at once cannot each
        # move subtrees from a state the other is changing; readers are not held up by this lock.
        connection.execute(text(f"LOCK TABLE {_TABLE} IN SHARE ROW EXCLUSIVE MODE"))
    return connection


def rebuild_org_closure(where: Session | Connection) -> int:
    """Rebuild org_closure from people.manager_id in the caller's transaction; returns its rows."""
    connection = _connection(where)
    if connection.dialect.name != "sqlite":
        # No DDL here: dropping the index would lock readers of the chart out until the commit.
        connection.execute(text(f"DELETE FROM {_TABLE}"))
        return int(connection.execute(_REBUILD).rowcount or 0)
    # SQLite: rows appended in key order and the second index built once, after them, cost a fraction
    # of random inserts into two B-trees (readers keep seeing the old table until the commit: WAL).
    connection.execute(text(f"DROP INDEX IF EXISTS {_BY_DESCENDANT}"))
    connection.execute(text(f"DELETE FROM {_TABLE}"))
    rows = int(connection.execute(text(f"{_REBUILD.text} ORDER BY ancestor_id, descendant_id")).rowcount or 0)
    connection.execute(text(f"CREATE INDEX {_BY_DESCENDANT} ON {_TABLE} (descendant_id, ancestor_id)"))
    return rows


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
    # Detach every moved subtree first, then attach them: attaching in any order is then correct,
    # even when people swap places (a manager moved below their former report).
    for person in changes:
        connection.execute(_DETACH, {"person": person})
    for person, manager in changes.items():
        if manager is not None:
            connection.execute(_ATTACH, {"person": person, "manager": manager})


def org_changes_in_flush(session: Session) -> None:
    """Called after an ORM flush: apply the managers it set, or rebuild when it deleted people."""
    changes: dict[int, int | None] = {}
    for person in session.new:
        if isinstance(person, Person) and person.manager_id is not None:
            changes[person.id] = person.manager_id
    for person in session.dirty:
        if isinstance(person, Person) and _manager_changed(person):
            changes[person.id] = person.manager_id
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


def _manager_changed(person: Person) -> bool:
    state: Any = inspect(person)
    history = state.attrs.manager_id.history
    return bool(history.added or history.deleted)


# The hooks hold for every Session: bot/db/engine.py imports this module, so they are installed
# wherever an engine is made.


@event.listens_for(Session, "after_flush")
def _keep_closure_after_flush(session: Session, _context: Any) -> None:
    org_changes_in_flush(session)


@event.listens_for(Session, "do_orm_execute")
def _keep_closure_after_bulk_statement(state: Any) -> Any:
    """A bulk INSERT, UPDATE or DELETE of people that may change managers rebuilds org_closure once it ran."""
    if not statement_sets_managers(state.statement, state.parameters, state.execution_options):
        return None
    result = state.invoke_statement()
    try:
        rows = result.freeze()  # RETURNING rows are read before the rebuild uses the connection
    except NotImplementedError:  # no rows to read (no RETURNING)
        rebuild_org_closure(state.session)
        return result
    rebuild_org_closure(state.session)
    return rows()
