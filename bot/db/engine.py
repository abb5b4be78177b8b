"""Engines and sessions. SQLite (the embedded default) upgrades itself on first use."""

from __future__ import annotations

import ast
import re
import weakref
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

import bot
import bot.db.figures_version  # noqa: F401  (installs the engine hooks that raise the figures version)
import bot.db.org_chart  # noqa: F401  (installs the session hooks that keep org_closure)
import bot.db.output_weekly  # noqa: F401  (installs the hooks that keep output_weekly, or forget it)
from bot.domain.errors import OperatorError

SQLITE_BUSY_TIMEOUT_S = 30
POOL_SIZE = 10  # connections an engine keeps open
POOL_OVERFLOW = 10  # and opens besides while more threads need one at once
# Every engine make_engine made that is still in use, so a process about to end can close their connections.
_engines: weakref.WeakSet[Engine] = weakref.WeakSet()
URL_EXAMPLES = "like sqlite:///buildboard.db or postgresql+psycopg://user@host/dbname"


class SchemaNotCurrent(OperatorError, RuntimeError):
    """The database is behind the code's migrations."""


class DatabaseUnavailable(OperatorError):
    """DATABASE_URL cannot be used: unparseable, no driver, no such directory or server or database."""

    exit_code = 1


class NoDatabaseYet(OperatorError):
    """A command that only reads found no SQLite file (and did not create one)."""

    exit_code = 1


def safe_url(url: str | URL) -> str:
    """The URL as an operator wrote it, its password replaced by *** (also in a URL SQLAlchemy cannot parse)."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    if "@" not in url:
        return url
    head, _, host = url.rpartition("@")  # a password may hold "@", a host never does
    scheme_end = head.find("://")
    start = scheme_end + 3 if scheme_end >= 0 else head.rfind("/") + 1
    user, colon, _password = head[start:].partition(":")
    return f"{head[:start]}{user}:***@{host}" if colon else url


def _parsed(url: str) -> URL:
    try:
        return make_url(url)
    except (ArgumentError, ValueError):
        raise DatabaseUnavailable(f"DATABASE_URL {safe_url(url)!r} is not a database URL ({URL_EXAMPLES})") from None


def sqlite_path(url: str | URL) -> Path | None:
    """The file of a SQLite URL (None for any other database, or an in-memory one)."""
    parsed = url if isinstance(url, URL) else _parsed(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:") or parsed.query.get("mode") == "memory":
        return None
    return Path(database)


def check_url(url: str, *, must_exist: bool = False) -> URL:
    """The parsed URL, or DatabaseUnavailable naming what is wrong with it (the password never shown).

    `must_exist`: a SQLite file that is not there yet is NoDatabaseYet (a read-only command must not create it).
    """
    parsed = _parsed(url)
    path = sqlite_path(parsed)
    if path is not None:
        shown = safe_url(parsed)
        if path.is_dir():
            raise DatabaseUnavailable(f"DATABASE_URL {shown} names a directory, not a database file")
        if not path.parent.is_dir():
            raise DatabaseUnavailable(
                f"DATABASE_URL {shown}: the directory {path.parent} does not exist; create it or choose another path"
            )
        if must_exist and not path.exists():
            raise NoDatabaseYet(
                f"there is no database at {path} yet: create it with `buildboard db upgrade` (or check DATABASE_URL)"
            )
    return parsed


def _create(url: str, parsed: URL, **kwargs) -> Engine:
    try:
        return create_engine(url, **kwargs)
    except NoSuchModuleError:
        raise DatabaseUnavailable(
            f"DATABASE_URL {safe_url(parsed)}: SQLAlchemy knows no database {parsed.drivername!r} ({URL_EXAMPLES})"
        ) from None
    except ImportError as exc:
        driver = exc.name or parsed.get_driver_name()
        raise DatabaseUnavailable(
            f"DATABASE_URL {safe_url(parsed)} needs the Python driver {driver!r}, which is not installed "
            f"(for PostgreSQL use postgresql+psycopg://, which Buildboard installs)"
        ) from None


def unreachable(url: str | URL, exc: DBAPIError) -> DatabaseUnavailable:
    """A connection failure as one line: the URL without its password and the driver's first line."""
    cause = exc.orig if exc.orig is not None else exc
    lines = [line.strip() for line in str(cause).strip().splitlines() if line.strip()]
    reason = lines[0] if lines else type(cause).__name__
    shown = safe_url(url if isinstance(url, URL) else _parsed(url))
    return DatabaseUnavailable(f"cannot use the database at {shown}: {reason[:240]}")


def check_reachable(engine: Engine) -> None:
    """Connect once; DatabaseUnavailable (one line) when the server, the database or the file cannot be opened."""
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        raise unreachable(engine.url, exc) from None


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
    from alembic.util.exc import CommandError

    config = _alembic_config(url)
    try:
        command.upgrade(config, "head")
    except CommandError as exc:  # e.g. a database a newer Buildboard migrated: Alembic does not know its revision
        raise SchemaNotCurrent(
            f"cannot upgrade the database at {safe_url(url)}: {str(exc).splitlines()[0]} (a newer Buildboard wrote it?)"
        ) from None
    return ScriptDirectory.from_config(config).get_current_head() or ""


_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.M)


@lru_cache(maxsize=1)
def script_revisions() -> tuple[frozenset[str], str | None]:
    """Every revision in migrations/versions and the head, read from the files' `revision`/`down_revision` lines.

    Checking the schema on every command must not cost Alembic's import (a good part of a second). The head is
    None when the files do not give one clear head (Alembic itself then decides).
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    try:
        scripts = sorted((migrations_dir() / "versions").glob("*.py"))
        for script in scripts:
            found = dict((name, ast.literal_eval(value)) for name, value in _ASSIGNMENT.findall(script.read_text()))
            revision, down = found.get("revision"), found.get("down_revision")
            if not isinstance(revision, str):
                return frozenset(revisions), None
            revisions.add(revision)
            parents.update([down] if isinstance(down, str) else list(down or ()))
    except (OSError, ValueError, SyntaxError, RuntimeError):
        return frozenset(revisions), None
    heads = revisions - parents
    return frozenset(revisions), (heads.pop() if len(heads) == 1 else None)


def script_head() -> str | None:
    return script_revisions()[1]


def _alembic_head(url: str) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(url)).get_current_head()


def _current_and_head(engine: Engine) -> tuple[str | None, str | None]:
    """The database's revision (alembic_version, read with one plain SELECT) and the code's head."""
    with engine.connect() as connection:
        try:
            versions = list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
        except DBAPIError:
            # Only a database Buildboard never migrated lacks the table; any other failure is the caller's to report.
            connection.rollback()
            if inspect(connection).has_table("alembic_version"):
                raise
            versions = []
    head = script_head()
    if head is None or len(versions) > 1:  # branches: let Alembic answer
        from alembic.migration import MigrationContext

        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
        return current, _alembic_head(engine.url.render_as_string(hide_password=False))
    return (versions[0] if versions else None), head


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Erased personal data must not linger in free pages of the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


# Every PostgreSQL session Buildboard opens: no JIT compilation. Its reports are a few seconds at most, and
# the planner's estimates for their CTEs are far off, so PostgreSQL compiled 222 functions (1.7 s) to run a
# 47,000-person team report of 4.5 s; without JIT it took 2.5 s, and no digest or import was slower.
POSTGRES_SESSION = "-c jit=off"
# The quick writes' sessions besides (make_quick_writes_engine): commits that do not wait for the disk.
QUICK_WRITES_SESSION = "-c synchronous_commit=off"


def postgres_options(url: URL) -> str:
    """libpq's `options` for Buildboard's sessions: the URL's own (`?options=…`), then POSTGRES_SESSION."""
    given = url.query.get("options")
    given = given[-1] if isinstance(given, tuple) else given
    return f"{given} {POSTGRES_SESSION}" if given else POSTGRES_SESSION


def make_engine(url: str, *, ensure_schema: bool = True, must_exist: bool = False) -> Engine:
    """An engine for `url`. SQLite is migrated on first use; other databases must be at head.

    A URL that cannot be used raises DatabaseUnavailable (one line, no password); with `must_exist`, a
    missing SQLite file raises NoDatabaseYet and is not created.
    """
    parsed = check_url(url, must_exist=must_exist)
    is_sqlite = parsed.get_backend_name() == "sqlite"
    engine = _engine(url, parsed, pre_ping=True)
    if ensure_schema:
        try:
            current, head = _current_and_head(engine)
        except DBAPIError as exc:
            raise unreachable(parsed, exc) from None
        known, _ = script_revisions()
        if is_sqlite and current is not None and known and current not in known:
            # Upgrading it by itself would end in Alembic's traceback: say what is wrong instead.
            raise SchemaNotCurrent(
                f"the database is at revision {current}, which this version of Buildboard does not know (its "
                f"migrations end at {head}): was it written by a newer Buildboard? Run that one, or use another file"
            )
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
    _engines.add(engine)
    return engine


def make_quick_writes_engine(url: str) -> Engine:
    """The engine for single autocommitted writes that cost nothing lasting if a database crash loses them.

    Two kinds, each one statement that other connections must see at once:
    - the replay check's record of a signed request, inside the ack (bot/db/seen_requests.py);
    - a team report kept (bot/services/team_figures.py), which managers waiting for the same report read.
    No pre-ping and no BEGIN or COMMIT round trips, each of which waited for the interpreter lock behind the
    answer threads. On PostgreSQL the commit does not wait for the WAL to reach the disk
    (`synchronous_commit=off`; it follows within a fraction of a second): a database crash in that instant
    forgets what was written then. A replay record lost so lets a captured request run once more on another
    replica (the replica that acked it still refuses it from memory) until its 5-minute window ends; a kept
    report lost so is computed again. A dropped connection fails one statement, and the pool replaces it.
    Measured: the 200-command `/buildboard me` burst's ack p99 160–212 ms → 126–152 ms, p50 93–121 → 68–77
    ms; the nightly job's 12,413 reports kept 120, 132 s → 114, 92 s. The schema is the main engine's to check.
    """
    parsed = check_url(url)
    # Autocommit set once per connection, not per checkout: SQLAlchemy resets an execution option's level at
    # every checkin, which on SQLite is a `PRAGMA read_uncommitted` (11 % of an ack's samples under load).
    engine = _engine(url, parsed, pre_ping=False, extra_options=QUICK_WRITES_SESSION, isolation_level="AUTOCOMMIT")
    _engines.add(engine)
    return engine


def _engine(
    url: str, parsed: URL, *, pre_ping: bool, extra_options: str = "", isolation_level: str | None = None
) -> Engine:
    """An engine with Buildboard's connection settings (SQLite's pragmas; PostgreSQL's session options)."""
    is_sqlite = parsed.get_backend_name() == "sqlite"
    kwargs: dict = {"future": True}
    if isolation_level is not None:
        kwargs["isolation_level"] = isolation_level
    if is_sqlite:
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S}
        if parsed.database not in (None, "", ":memory:"):
            # A file's pool (QueuePool) as large as PostgreSQL's: `serve`'s 8 request threads and 2 answer
            # threads at once otherwise opened and closed connections past its default 5 (pragmas included).
            kwargs.update(pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
    else:
        kwargs.update(pool_pre_ping=pre_ping, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
        if parsed.get_backend_name() == "postgresql":
            options = postgres_options(parsed)
            kwargs["connect_args"] = {"options": f"{options} {extra_options}" if extra_options else options}
    engine = _create(url, parsed, **kwargs)
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def dispose_engines() -> None:
    """Close the pooled connections of every engine make_engine made (a SQLite file's WAL is checkpointed)."""
    for engine in list(_engines):
        engine.dispose()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
