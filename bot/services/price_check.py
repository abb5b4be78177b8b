"""`buildboard prices check`: what the price table and the seats file are missing, for a person to add by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import UsageDaily
from bot.domain.seats import SEAT_COST_SOURCE
from bot.ingest.prices import PriceTable
from bot.ingest.seat_prices import SeatPrices
from bot.services.seats import plans_without_price

CHECK_DAYS = 30


@dataclass(frozen=True)
class UnknownModel:
    provider: str
    model: str
    tokens: int
    last_day: date


@dataclass(frozen=True)
class PriceCheck:
    since: date
    unknown_models: list[UnknownModel]
    unpriced_plans: list[str]

    @property
    def complete(self) -> bool:
        return not self.unknown_models and not self.unpriced_plans


def check_prices(session: Session, prices: PriceTable, seat_prices: SeatPrices, *, today: date) -> PriceCheck:
    """Models used in the last 30 days the price table does not know (one GROUP BY), and held plans with no price."""
    since = today - timedelta(days=CHECK_DAYS - 1)
    seen = session.execute(
        select(
            UsageDaily.provider,
            UsageDaily.model,
            func.sum(UsageDaily.input_tokens + UsageDaily.output_tokens),
            func.max(UsageDaily.day),
        )
        .where(UsageDaily.day >= since, UsageDaily.cost_source != SEAT_COST_SOURCE)
        .group_by(UsageDaily.provider, UsageDaily.model)
        .order_by(UsageDaily.provider, UsageDaily.model)
    ).all()
    unknown = [
        UnknownModel(provider, model, int(tokens or 0), last)
        for provider, model, tokens, last in seen
        if not prices.knows(model)
    ]
    return PriceCheck(since, unknown, plans_without_price(session, seat_prices))
