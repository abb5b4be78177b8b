"""Engines and sessions. SQLite (the embedded default) upgrades itself on first use."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

import bot
import bot.db.org_chart  # noqa: F401  (installs the session hooks that keep org_closure)

SQLITE_BUSY_TIMEOUT_S = 30


class SchemaNotCurrent(RuntimeError):
    """The database is behind the code's migrations."""


def migrations_dir() -> Path:
    """Where the Alembic scripts are: the checkout's migrations/, or the copy inside an installed wheel."""
    package = Path(bot.__file__).resolve().parent
    for candidate in (package.parent / "migrations", package / "_migrations"):
        if (candidate / "env.py").exists():
            return candidate
    raise RuntimeError("Buildboard's migrations/ folder is missing from this installation")


def _alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> str:
    """Apply every migration (`alembic upgrade head`); returns the head revision."""
    from alembic import command
    from alembic.script import ScriptDirectory

    config = _alembic_config(url)
    command.upgrade(config, "head")
    return ScriptDirectory.from_config(config).get_current_head() or ""


def _current_and_head(engine: Engine) -> tuple[str | None, str | None]:
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config(engine.url.render_as_string(hide_password=False)))
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return current, head.get_current_head()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Erased personal data must not linger in free pages of the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def make_engine(url: str, *, ensure_schema: bool = True) -> Engine:
    """An engine for `url`. SQLite is migrated on first use; other databases must be at head."""
    is_sqlite = url.startswith("sqlite")
    kwargs: dict = {"future": True}
    if is_sqlite:
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S}
    else:
        kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=10)
    engine = create_engine(url, **kwargs)
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    if ensure_schema:
        current, head = _current_and_head(engine)
        if current != head:
            if is_sqlite:
                upgrade(url)
            elif current is None and not inspect(engine).get_table_names():
                raise SchemaNotCurrent("the database has no Buildboard tables yet: run `buildboard db upgrade` first")
            else:
                raise SchemaNotCurrent(
                    f"the database schema is at {current or 'nothing'}, the code needs {head}: "
                    "run `buildboard db upgrade`"
                )
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
