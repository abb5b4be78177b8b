"""Alembic environment: the URL comes from the caller's config or DATABASE_URL."""

import re

from alembic import context
from sqlalchemy import create_engine, inspect, pool, text

from bot.db.models import Base, with_postgresql_predicates

config = context.config
target_metadata = with_postgresql_predicates(Base.metadata)  # what `alembic check` compares on PostgreSQL


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from bot.settings import Settings

    return Settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection)


# usage_daily's partitions on PostgreSQL (migration 0021, bot/db/usage_partitions.py): part of the
# partitioned table the models describe, not tables of their own.
_USAGE_PARTITION = re.compile(r"usage_daily_(\d{4}_\d{2}|default)")


def _include_name(name, type_, parent_names) -> bool:
    return not (type_ == "table" and name and _USAGE_PARTITION.fullmatch(name))


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=_include_name,
    )
    # A migration may change figures, and the figures version's table may not exist yet while it runs:
    # the engine's hook leaves this connection alone and the version is raised once, at the end.
    connection.info["figures_untracked"] = True
    try:
        with context.begin_transaction():
            context.run_migrations()
            schema = inspect(connection)
            if schema.has_table("figures_version"):  # every kept report is stale (migration 0022: whoever it is about)
                about_everyone = any(c["name"] == "everyone_version" for c in schema.get_columns("figures_version"))
                connection.execute(
                    text(
                        "UPDATE figures_version SET version = version + 1"
                        + (", everyone_version = version + 1" if about_everyone else "")
                        + " WHERE id = 1"
                    )
                )
    finally:
        connection.info.pop("figures_untracked", None)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
