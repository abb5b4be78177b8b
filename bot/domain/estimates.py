"""Work-unit estimates: the scale, what an estimate must look like, and which number counts.

A work unit is a coarse measure of what an artifact delivers, on a fixed scale (story-point
style, so people do not argue about 2.7 against 3):

| units | what it looks like |
|---|---|
| 0.5 | a quick experiment, a one-off prompt or answer, a tiny fix |
| 1 | a small script, document or analysis used once or by its author (the default) |
| 2 | a reusable script, template or prompt library; saves its author an hour or two a week |
| 3 | a tool or automation a few people rely on; saves a team several hours a week |
| 5 | a working feature, app or agent a team uses every week |
| 8 | a product-grade tool or automation used across teams |
| 13 | a major system that changes how a department works |

The model must answer with one of these values. Admins may override with any value from 0
(not real work) to 13, in hundredths. Which number counts (override, estimate, or the
hours-based default) is `bot.domain.workunits.work_units_for`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TypeAlias

JsonValue: TypeAlias = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]

SCALE: tuple[Decimal, ...] = tuple(Decimal(v) for v in ("0.5", "1", "2", "3", "5", "8", "13"))
SCALE_GUIDE = (
    "0.5 = a quick experiment, a one-off prompt or answer, a tiny fix; "
    "1 = a small script, document or analysis used once or by its author; "
    "2 = a reusable script, template or prompt library that saves its author an hour or two a week; "
    "3 = a tool or automation a few people rely on, saving a team several hours a week; "
    "5 = a working feature, app or agent a team uses every week; "
    "8 = a product-grade tool or automation used across teams; "
    "13 = a major system that changes how a department works."
)
OVERRIDE_MIN, OVERRIDE_MAX = Decimal(0), SCALE[-1]

CATEGORIES: tuple[str, ...] = (
    "internal tool",
    "automation",
    "agent",
    "analysis",
    "documentation",
    "code change",
    "customer-facing feature",
    "experiment",
    "other",
)

SUMMARY_MAX = 200  # characters; the column holds 300

ESTIMATE_SCHEMA: dict[str, JsonValue] = {
    "type": "object",
    "properties": {
        "work_units": {
            "type": "number",
            "enum": [float(v) if v != v.to_integral() else int(v) for v in SCALE],
            "description": "Size of what the artifact delivers, on the scale in the instructions.",
        },
        "category": {"type": "string", "enum": list(CATEGORIES)},
        "summary": {
            "type": "string",
            "description": "One neutral line (under 200 characters) saying what was built and for whom.",
            "minLength": 3,
            "maxLength": SUMMARY_MAX,
        },
    },
    "required": ["work_units", "category", "summary"],
    "additionalProperties": False,
}


def scale_value(raw: float | int) -> Decimal:
    """The scale value the model chose (the schema check already limited it to SCALE)."""
    value = Decimal(str(raw))
    if value not in SCALE:
        raise ValueError(f"{raw} is not on the work-unit scale {', '.join(str(v) for v in SCALE)}")
    return value


def parse_override(text: str | int | float | Decimal) -> Decimal:
    """An admin's override: a number from 0 to 13 with at most two decimals, or a ValueError saying so."""
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise ValueError(f"work units must be a number from {OVERRIDE_MIN} to {OVERRIDE_MAX}, not {text!r}") from None
    if not value.is_finite() or not OVERRIDE_MIN <= value <= OVERRIDE_MAX:
        raise ValueError(f"work units must be from {OVERRIDE_MIN} to {OVERRIDE_MAX} (the scale's top), not {text}")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(f"work units take at most two decimals, not {text}")
    return value.quantize(Decimal("0.01"))


def one_line(text: str, limit: int = SUMMARY_MAX) -> str:
    """Collapse whitespace (a summary is one line) and cut to `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
