"""A usage_daily row built by hand, for tests that write usage without the import path."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.db.models import UsageDaily
from tests.conftest import NOW


def usage(person_id: int, day: date, model: str = "gpt-4o", tokens: int = 1000, cost: str = "1.50", requests: int = 2):
    return UsageDaily(
        person_id=person_id,
        day=day,
        provider="openai",
        model=model,
        input_tokens=tokens,
        cached_input_tokens=tokens // 10,
        output_tokens=tokens // 2,
        requests=requests,
        cost_usd=Decimal(cost),
        cost_source="reported",
        source="csv",
        updated_at=NOW,
    )
