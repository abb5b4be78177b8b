"""Seats: a monthly price per seat, spread over the days of the month, and when a seat is idle.

Pure rules; bot/ingest/seat_prices.py reads the prices, bot/services/seats.py stores seats and charges them.

The rule against double counting: a seat's price is the subscription, charged once per holder and day as
its own usage row (`cost_source` `seat`, model `<plan> seat`). Usage rows are what a provider bills on top
of the seat: Cursor's `chargedCents` (usage-based overage), an API's token cost. Usage a seat already
includes is never charged again — a Cursor event the plan includes (`kind` "Included in …", or
`isChargeable` false) with no `chargedCents` costs $0, not its `totalCents`.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

_MICRO = Decimal("0.000001")  # usage_daily.cost_usd holds six decimal places
SEAT_COST_SOURCE = "seat"
SEAT_MODEL_SUFFIX = " seat"


@dataclass(frozen=True)
class SeatPlan:
    """One plan of one tool, e.g. Cursor Teams: its monthly price per seat and where that price came from."""

    key: str  # e.g. cursor_teams
    tool: str  # e.g. cursor
    provider: str  # usage_daily.provider its rows are stored under
    monthly_usd: Decimal | None  # None: no price known (`buildboard prices check` lists it)
    label: str = ""
    source: str = ""  # where the price was read
    as_of: str = ""  # when

    @property
    def model(self) -> str:
        """The usage_daily.model of this plan's seat rows."""
        return f"{self.key}{SEAT_MODEL_SUFFIX}"


def daily_share(monthly_usd: Decimal, day: date) -> Decimal:
    """The day's part of a monthly price: the month's days add up to the price exactly (to the micro-dollar).

    Day i of an n-day month gets round(price·i/n) − round(price·(i−1)/n), so the rounding never accumulates.
    """
    days = calendar.monthrange(day.year, day.month)[1]

    def through(i: int) -> Decimal:
        return (Decimal(monthly_usd) * i / days).quantize(_MICRO, rounding=ROUND_HALF_EVEN)

    return through(day.day) - through(day.day - 1)


def days_between(since: date, until: date) -> list[date]:
    return [since + timedelta(days=i) for i in range((until - since).days + 1)]


@dataclass(frozen=True)
class SeatState:
    """A seat as the idle rule sees it."""

    held_since: date
    last_active: date | None  # the last day with activity in the tool; None: never seen active
    observable: bool = True  # False: the tool reports no activity to Buildboard, so it is never called idle


def is_idle(seat: SeatState, today: date, idle_days: int) -> bool:
    """No activity with the tool in the last `idle_days` days (today included), for a seat held at least that long."""
    if not seat.observable or idle_days < 1:
        return False
    first_day_of_period = today - timedelta(days=idle_days - 1)
    if seat.held_since > first_day_of_period:
        return False  # a new seat: not enough time to tell
    return seat.last_active is None or seat.last_active < first_day_of_period


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"
