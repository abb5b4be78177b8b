"""What every `buildboard` subcommand shares: the user-fixable error, argument types, the Runtime."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import TYPE_CHECKING

from bot.domain.periods import IsoWeek

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from bot.runtime import Runtime


class CommandError(Exception):
    """A problem the user can fix; printed as one line on stderr."""


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


def runtime() -> Runtime:
    """The process's Runtime from the environment, with logging configured."""
    # Imported here: `buildboard --help` and argument errors need none of the engine, Slack or LLM modules.
    from bot.runtime import Runtime, configure_logging
    from bot.settings import Settings

    settings = Settings()
    configure_logging(settings)
    return Runtime(settings)


def sessions_or_fail(rt: Runtime) -> sessionmaker[Session]:
    """The Runtime's sessions, or a CommandError saying to upgrade when the schema is behind."""
    from bot.db.engine import SchemaNotCurrent

    try:
        return rt.sessions
    except SchemaNotCurrent as exc:
        raise CommandError(str(exc)) from None


def default_week(rt: Runtime, week: IsoWeek | None) -> IsoWeek:
    return week or IsoWeek.last_complete(rt.clock(), rt.settings.zone)


def err(text: str) -> None:
    print(text, file=sys.stderr)
