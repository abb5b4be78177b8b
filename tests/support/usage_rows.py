"""usage_daily rows written by hand, for tests that set up usage without the import path."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from bot.db.models import Person, UsageDaily
from bot.db.usage_weekly import rebuild_usage_weekly
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


def add_usage(sessions, email: str, day: date, cost: str, tokens: int = 100_000) -> None:
    with sessions.begin() as session:
        person = session.scalars(select(Person).where(Person.email == email)).one()
        session.add(
            UsageDaily(
                person_id=person.id,
                day=day,
                provider="openai",
                model="gpt-4o-test",
                input_tokens=tokens,
                output_tokens=0,
                cost_usd=Decimal(cost),
                cost_source="reported",
                source="csv",
                updated_at=NOW,
            )
        )
        rebuild_usage_weekly(session)  # the row above bypassed write_usage
