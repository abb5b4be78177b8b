"""What every `buildboard` subcommand shares: the user-fixable error, argument types, the Runtime."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from typing import TYPE_CHECKING, TextIO

from bot.domain.errors import OperatorError
from bot.domain.periods import IsoWeek

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from bot.runtime import Runtime


class CommandError(OperatorError):
    """A problem the user can fix; printed as one line on stderr."""


# How much the process logs: 0 warnings only (the default: a command's result is its output), 1 INFO
# (-v), 2 DEBUG (-vv). `buildboard` sets it from the command line before the command runs.
VERBOSITY = {"level": 0}
_COLLECTION = {"paused": False}  # quick_start paused the garbage collector, and runtime() has not resumed it


def quick_start() -> None:
    """Collect no garbage while the command's process imports its libraries (bot.cli.main, for its own command).

    Importing SQLAlchemy's ORM, pydantic-settings and Buildboard's models makes a few hundred thousand objects,
    next to none of them garbage, and the collector went over them 165–194 times: 45–68 ms of a short command
    (`gc.callbacks`). `runtime()`, which every command that uses the database calls once, resumes it when those
    libraries are in; `demo` after its own imports. A command that calls neither is short and ends paused.
    """
    import gc

    if gc.isenabled():
        gc.disable()
        _COLLECTION["paused"] = True


def started() -> None:
    """The command's libraries are imported: freeze them (later collections skip them) and collect as usual.
    A no-op unless quick_start paused the collector."""
    import gc

    if _COLLECTION["paused"]:
        _COLLECTION["paused"] = False
        gc.freeze()
        gc.enable()


def log_level(default_info: bool = False) -> int:
    """The logging level `-v`/`-vv` asked for; `default_info` (serve): INFO without -v."""
    import logging

    verbosity = VERBOSITY["level"] + (1 if default_info else 0)
    return logging.DEBUG if verbosity >= 2 else logging.INFO if verbosity == 1 else logging.WARNING


def week_arg(text: str) -> IsoWeek:
    """An ISO week argument like 2026-W47."""
    try:
        return IsoWeek.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def date_arg(text: str) -> date:
    """A day argument like 2026-11-23."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-23") from None


def runtime(*, read_only: bool = False, default_info: bool = False) -> Runtime:
    """The process's Runtime from the environment, with logging configured.

    `read_only`: the command only reads, so a SQLite file that does not exist yet is reported (with how
    to create it) instead of being created. `default_info`: log INFO without -v (`serve`).
    """
    # Imported here: `buildboard --help` and argument errors need none of the engine, Slack or LLM modules. The
    # engine's module (SQLAlchemy, the models) too: every command that asks for a Runtime uses the database.
    from bot.db.engine import check_url
    from bot.runtime import Runtime, configure_logging
    from bot.settings import Settings

    settings = Settings()
    configure_logging(settings, log_level(default_info))
    if VERBOSITY["level"] == 0:
        # Alembic's context and migration lines (SQLite upgrades itself on first use) only when asked with -v:
        # `db upgrade` prints the revision it reached, and `serve` logs what it serves.
        import logging

        logging.getLogger("alembic").setLevel(logging.WARNING)
    warn_unknown_settings()
    if read_only:
        check_url(settings.database_url, must_exist=True)
    started()
    return Runtime(settings)


_warned: set[str] = set()


def warn_unknown_settings() -> None:
    """One warning line per BUILDBOARD_* name no setting reads (once per process), with the closest known name."""
    from bot.settings import unknown_settings

    for unknown in unknown_settings():
        if unknown.name in _warned:
            continue
        _warned.add(unknown.name)
        hint = f"; did you mean {unknown.suggestion}?" if unknown.suggestion else ""
        err(f"buildboard: warning: {unknown.name} (in {unknown.where}) is not a Buildboard setting{hint}")


def sessions_or_fail(rt: Runtime) -> sessionmaker[Session]:
    """The Runtime's sessions (a schema behind the code, or a database that cannot be used, is an OperatorError)."""
    return rt.sessions


def default_week(rt: Runtime, week: IsoWeek | None) -> IsoWeek:
    return week or IsoWeek.last_complete(rt.clock(), rt.settings.zone)


def err(text: str) -> None:
    print(text, file=sys.stderr)


class TerminalLine:
    """One line on stderr, redrawn in place while work goes on; nothing at all when stderr is not a terminal."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.drawn = False

    def draw(self, text: str) -> None:
        if self.enabled:
            self.stream.write(f"\r{text}")
            self.stream.flush()
            self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def requested_window(args: argparse.Namespace, now: datetime) -> tuple[date, date]:
    """`--since`/`--until` of a sync command, each defaulting to the last 3 UTC days; refused when reversed."""
    from bot.services.sync import default_window

    until = args.until or default_window(now)[1]
    since = args.since or default_window(now, until=until)[0]
    if since > until:
        raise CommandError(f"--since {since} is after --until {until}")
    return since, until
