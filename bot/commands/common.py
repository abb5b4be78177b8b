"""Shared bits of the command implementations."""

from __future__ import annotations

import sys

from bot.domain.periods import IsoWeek
from bot.runtime import Runtime, configure_logging
from bot.settings import Settings


def runtime() -> Runtime:
    settings = Settings()
    configure_logging(settings)
    return Runtime(settings)


def default_week(rt: Runtime, week: IsoWeek | None) -> IsoWeek:
    return week or IsoWeek.last_complete(rt.clock(), rt.settings.zone)


def err(text: str) -> None:
    print(text, file=sys.stderr)
