"""Migration 0023: the open end of each pair's history moves onto org_closure; who saw which view is unchanged."""

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text

from bot.db.engine import _alembic_config
from bot.services.audit import views_seen_by

AT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
# Before 0023: Ann (1) manages Bo (2), who manages Cy (3). Cy was below Dee (4) until version 3, and below
# Bo from version 3; Bo below Ann from version 1.
CLOSURE = [(1, 2, 1), (1, 3, 2), (2, 3, 1)]
HISTORY = [(1, 2, 1, None), (1, 3, 3, None), (2, 3, 3, None), (4, 3, 1, 3)]
# Views of Dee's tree at version 2 and of Bo's tree at versions 2 and 3.
VIEWS = [(4, 2), (2, 2), (2, 3)]


def _rows(connection, sql: str) -> list[tuple]:
    return sorted(tuple(row) for row in connection.execute(text(sql)))


def test_open_pairs_move_onto_the_closure_and_back(engine, sessions, database_url):
    config = _alembic_config(database_url)
    command.downgrade(config, "0022")
    try:
        with engine.begin() as connection:
            for ancestor, descendant, depth in CLOSURE:
                connection.execute(
                    text("INSERT INTO org_closure (ancestor_id, descendant_id, depth) VALUES (:a, :d, :depth)"),
                    {"a": ancestor, "d": descendant, "depth": depth},
                )
            for ancestor, descendant, since, until in HISTORY:
                connection.execute(
                    text(
                        "INSERT INTO org_closure_history (ancestor_id, descendant_id, valid_from, valid_to)"
                        " VALUES (:a, :d, :since, :until)"
                    ),
                    {"a": ancestor, "d": descendant, "since": since, "until": until},
                )
            for root, version in VIEWS:
                connection.execute(
                    text(
                        "INSERT INTO audit_views (viewer_slack_user_id, scope, root_person_id, org_version, action, at)"
                        " VALUES ('U0ADMIN', 'tree', :root, :version, 'team', :at)"
                    ),
                    {"root": root, "version": version, "at": AT},
                )
    finally:
        command.upgrade(config, "head")

    with engine.connect() as connection:
        assert _rows(connection, "SELECT ancestor_id, descendant_id, depth, valid_from FROM org_closure") == [
            (1, 2, 1, 1),
            (1, 3, 2, 3),
            (2, 3, 1, 3),
        ]
        assert _rows(
            connection, "SELECT ancestor_id, descendant_id, valid_from, valid_to FROM org_closure_history"
        ) == [(4, 3, 1, 3)]
        views = dict(_rows(connection, "SELECT org_version * 10 + root_person_id, id FROM audit_views"))
    with sessions() as session:
        # Cy saw Dee's tree at version 2 and Bo's at 3, not Bo's at 2 (Cy joined Bo at 3); Bo is in neither tree.
        assert set(session.scalars(views_seen_by(3))) == {views[24], views[32]}
        assert set(session.scalars(views_seen_by(2))) == set()

    command.downgrade(config, "0022")
    try:
        with engine.connect() as connection:
            assert _rows(connection, "SELECT ancestor_id, descendant_id, depth FROM org_closure") == CLOSURE
            history = "SELECT ancestor_id, descendant_id, valid_from, valid_to FROM org_closure_history"
            assert sorted(_rows(connection, history), key=str) == sorted(HISTORY, key=str)
    finally:
        command.upgrade(config, "head")
    with engine.begin() as connection:  # the rows above were written around the code: none stay for the checks
        for table in ("audit_views", "org_closure_history", "org_closure"):
            connection.execute(text(f"DELETE FROM {table}"))
