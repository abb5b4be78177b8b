"""Item 8: a team whose name has non-ASCII letters is found whatever its case, on SQLite as on PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from bot.db.engine import _alembic_config
from bot.domain.command_args import Target
from bot.ingest.records import PersonRecord
from bot.services.authority import Viewer
from bot.services.people import import_people
from bot.services.team import resolve_group
from tests.conftest import NOW


def person(line: int, email: str, team: str) -> PersonRecord:
    return PersonRecord(line, email, email.split("@")[0].title(), team, None, None, None)


def test_a_team_with_accents_is_found_in_any_case_and_shown_as_typed(sessions):
    with sessions.begin() as session:
        import_people(
            session, [person(2, "zoe@example.com", "Équipe Öl"), person(3, "yan@example.com", "Ops")], now=NOW
        )
    admin = Viewer(None, True, "U0ADMIN")
    for asked in ("Équipe Öl", "équipe öl", "ÉQUIPE ÖL", "  éQUIPE öL "):
        with sessions() as session:
            group, refusal = resolve_group(session, admin, Target(team_name=asked))
        assert refusal is None, asked
        assert group is not None and group.label == "Team Équipe Öl"


def test_a_renamed_team_is_found_by_its_new_name_only(sessions):
    with sessions.begin() as session:
        import_people(session, [person(2, "zoe@example.com", "Équipe")], now=NOW)
    with sessions.begin() as session:
        import_people(session, [person(2, "zoe@example.com", "Straße")], now=NOW)
    admin = Viewer(None, True, "U0ADMIN")
    with sessions() as session:
        assert resolve_group(session, admin, Target(team_name="ÉQUIPE"))[0] is None
        group, _ = resolve_group(session, admin, Target(team_name="STRASSE"))  # casefold: ß is ss
    assert group is not None and group.label == "Team Straße"


def test_migration_0011_keys_the_teams_already_stored(tmp_path):
    url = f"sqlite:///{tmp_path / 'before-0011.db'}"
    config = _alembic_config(url)
    command.upgrade(config, "0010")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO people (email, team, in_org, active, nudges_enabled, public_opt_out, created_at,"
                    " updated_at) VALUES ('a@x.com', 'ÉQUIPE', 1, 1, 1, 0, '2026-01-01', '2026-01-01'),"
                    " ('b@x.com', NULL, 1, 1, 1, 0, '2026-01-01', '2026-01-01')"
                )
            )
        command.upgrade(config, "head")
        with engine.connect() as connection:
            keys = dict(connection.execute(text("SELECT email, team_key FROM people")).all())
        assert keys == {"a@x.com": "équipe", "b@x.com": None}
        command.downgrade(config, "0010")
    finally:
        engine.dispose()
