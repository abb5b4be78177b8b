"""How large and how dated one usage row may be: beyond these bounds a value is a mistake or an attack.

Tokens (each count) at most 10^15 a row, requests at most 10^9, cost at most $10^7 a row, days from
2015-01-01 to tomorrow in UTC. Tomorrow in UTC is the latest "today" of any time zone (UTC+14 at
most), so a provider or a file reporting its own today is never refused, wherever it is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

MAX_TOKENS = 10**15
MAX_REQUESTS = 10**9  # requests is a 32-bit column on PostgreSQL
MAX_COST_USD = Decimal(10**7)
FIRST_DAY = date(2015, 1, 1)
TOKEN_FIELDS = ("input_tokens", "output_tokens", "cached_input_tokens", "cache_write_tokens")


def last_usage_day(now: datetime) -> date:
    """The latest day usage may carry: tomorrow in UTC (today somewhere on Earth)."""
    return now.astimezone(UTC).date() + timedelta(days=1)


def usage_value_problems(
    day: date,
    tokens: tuple[int, int, int, int],
    requests: int,
    cost_usd: Decimal | None,
    last_day: date,
) -> list[tuple[str, str]]:
    """(field, what is allowed) for each value of one usage row outside the bounds; empty when all are within."""
    problems: list[tuple[str, str]] = []
    if not FIRST_DAY <= day <= last_day:
        problems.append(("date", f"{day} is outside the days usage may have: {FIRST_DAY} to {last_day}"))
    for name, count in zip(TOKEN_FIELDS, tokens, strict=True):
        if not 0 <= count <= MAX_TOKENS:
            problems.append((name, f"{count} is outside 0 to {MAX_TOKENS:,} tokens a row"))
    if not 0 <= requests <= MAX_REQUESTS:
        problems.append(("requests", f"{requests} is outside 0 to {MAX_REQUESTS:,} requests a row"))
    if cost_usd is not None and not (cost_usd.is_finite() and 0 <= cost_usd <= MAX_COST_USD):
        problems.append(("cost_usd", f"{cost_usd} is outside $0 to ${MAX_COST_USD:,} a row"))
    return problems


def within_usage_bounds(
    day: date, tokens: tuple[int, int, int, int], requests: int, cost_usd: Decimal | None, last_day: date
) -> bool:
    """Whether `usage_value_problems` finds nothing, cheaply: imports call it for every row."""
    input_tokens, output_tokens, cached, cache_write = tokens
    return (
        FIRST_DAY <= day <= last_day
        and 0 <= input_tokens <= MAX_TOKENS
        and 0 <= output_tokens <= MAX_TOKENS
        and 0 <= cached <= MAX_TOKENS
        and 0 <= cache_write <= MAX_TOKENS
        and 0 <= requests <= MAX_REQUESTS
        and (cost_usd is None or (cost_usd.is_finite() and 0 <= cost_usd <= MAX_COST_USD))
    )
