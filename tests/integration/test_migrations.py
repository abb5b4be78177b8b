"""The schema comes only from migrations, identical to the models, on SQLite and PostgreSQL."""

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from bot.db.engine import SchemaNotCurrent, _alembic_config, make_engine


def test_models_and_migrations_agree(engine, database_url):
    # `alembic check` raises when autogenerate would produce any operation.
    command.check(_alembic_config(database_url))


def test_sqlite_upgrades_itself_on_first_use(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    engine = make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"people", "usage_daily", "artifacts", "awards", "outbox", "nudges", "alembic_version"} <= tables


@pytest.mark.postgres_only
def test_a_production_database_behind_the_code_is_refused(database_url):
    # SQLite migrates itself (above); PostgreSQL is the operator's to upgrade.
    head = ScriptDirectory.from_config(_alembic_config(database_url)).get_current_head()
    bare = create_engine(database_url)
    try:
        with bare.begin() as connection:
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0000'")
        with pytest.raises(SchemaNotCurrent, match="buildboard db upgrade"):
            make_engine(database_url)
    finally:
        with bare.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
        bare.dispose()
