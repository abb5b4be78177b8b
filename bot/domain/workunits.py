"""Work units: what one artifact is worth on the leaderboard.

The scale (also in the README): a shared artifact is worth **1 work unit**. When its author says
how many hours a week it saves, every full working day (8 hours) a week adds one more unit, up to
five more (40 hours), rounded to the nearest half unit: 4 h → 1.5, 8 h → 2, 20 h → 3.5, 40 h+ → 6.
An AI estimate (issue 7) replaces that refinement; an admin's override replaces both.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DEFAULT_WORK_UNITS = Decimal(1)
HOURS_PER_EXTRA_UNIT = Decimal(8)
MAX_COUNTED_HOURS = Decimal(40)
_HALF = Decimal("0.5")
_CENT = Decimal("0.01")
SOURCES = ("default", "estimate", "override")


def _check(value: Decimal, what: str) -> Decimal:
    value = Decimal(value)
    if not value.is_finite() or value < 0:
        raise ValueError(f"{what} must be a number of at least 0, got {value}")
    return value


def work_units_for(
    hours_saved_per_week: Decimal | None,
    *,
    estimate: Decimal | None = None,
    override: Decimal | None = None,
    cap: Decimal | None = None,
) -> tuple[Decimal, str]:
    """(work units, source): an override wins, then an estimate, then the hours-saved scale (default 1).

    `cap` (bot.domain.claims.evidence_cap: 0.5 for an artifact without a link) bounds the estimate and the
    hours-saved scale, so what the author or the model says cannot make it worth more than its evidence allows.
    Only an admin's override is above it.
    """
    if override is not None:
        return _check(override, "a work-unit override").quantize(_CENT), "override"
    if estimate is not None:
        units, source = _check(estimate, "a work-unit estimate").quantize(_CENT), "estimate"
    elif hours_saved_per_week is None:
        units, source = DEFAULT_WORK_UNITS, "default"
    else:
        hours = min(_check(hours_saved_per_week, "hours saved per week"), MAX_COUNTED_HOURS)
        extra_halves = (hours / HOURS_PER_EXTRA_UNIT / _HALF).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        units, source = DEFAULT_WORK_UNITS + extra_halves * _HALF, "default"
    if cap is not None and units > cap:
        units = _check(cap, "a work-unit cap").quantize(_CENT)
    return units, source
