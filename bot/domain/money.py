"""Money and token counts: Decimal USD inside, short readable strings outside."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_CENT = Decimal("0.01")
_TENTH = Decimal("0.1")
_TOKEN_UNITS = ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K"))


def cents_to_usd(value: str | int | float | Decimal) -> Decimal:
    """Cents (Anthropic reports them as decimal strings, e.g. "123.45") → exact Decimal dollars ("1.2345")."""
    if isinstance(value, bool):
        raise ValueError(f"not an amount in cents: {value!r}")
    try:
        if isinstance(value, str):
            cents = Decimal(value.strip())
        elif isinstance(value, float):
            cents = Decimal(repr(value))  # the float's shortest decimal form, not its binary expansion
        elif isinstance(value, int | Decimal):
            cents = Decimal(value)
        else:
            raise ValueError(f"not an amount in cents: {value!r}")
    except InvalidOperation:
        raise ValueError(f"not an amount in cents: {value!r}") from None
    # Shift the exponent by hand: exact whatever the context precision (scaleb would round to it).
    sign, digits, exponent = cents.as_tuple()
    if not isinstance(exponent, int):  # 'n', 'N' or 'F': NaN or infinity
        raise ValueError(f"not an amount in cents: {value!r}")
    return Decimal((sign, digits, exponent - 2))


def format_usd(amount: Decimal) -> str:
    """'$1,234.50'; '$0.42'; amounts above zero but under a cent as '<$0.01'."""
    amount = Decimal(amount)
    sign = "-" if amount < 0 else ""
    magnitude = abs(amount)
    if 0 < magnitude < _CENT:
        return f"{sign}<$0.01"
    rounded = magnitude.quantize(_CENT, rounding=ROUND_HALF_UP)
    return f"{sign}${rounded:,.2f}"


def format_tokens(n: int) -> str:
    """'812', '950K', '1.2M', '12.3B': one decimal below 100 of a unit, none above."""
    sign = "-" if n < 0 else ""
    n = abs(int(n))
    if n < 1000:
        return f"{sign}{n}"
    # Walk from the smallest fitting unit up, so 999,999 becomes "1M" rather than "1000K".
    units = [unit for unit in reversed(_TOKEN_UNITS) if n >= unit[0]]
    divisor, suffix = units[-1]
    larger = [unit for unit in _TOKEN_UNITS if unit[0] > divisor]
    while True:
        value = Decimal(n) / divisor
        shown = value.quantize(_TENTH if value < 100 else Decimal(1), rounding=ROUND_HALF_UP)
        if shown < 1000 or not larger:
            break
        divisor, suffix = larger.pop()
    text = f"{shown:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{sign}{text}{suffix}"
