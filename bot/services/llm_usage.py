"""Buildboard's own AI spend: one llm_usage row per call that came back, summed in SQL for the digest."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import LlmUsage
from bot.domain.digest import LlmSpend
from bot.llm.client import LlmAnswer


def record_llm_usage(session: Session, answer: LlmAnswer, *, now: datetime) -> None:
    """Store the tokens of a call that was billed (an answer came back, usable or not)."""
    if not answer.billed:
        return
    session.add(
        LlmUsage(
            purpose=answer.purpose,
            model=answer.model,
            input_tokens=answer.input_tokens,
            output_tokens=answer.output_tokens,
            cost_usd=answer.cost_usd,
            at=now,
        )
    )


def llm_spend(session: Session, *, since: datetime, until: datetime) -> LlmSpend:
    """Calls made in (since, until]."""
    calls, inp, out, cost, unpriced = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(LlmUsage.input_tokens), 0),
            func.coalesce(func.sum(LlmUsage.output_tokens), 0),
            func.coalesce(func.sum(LlmUsage.cost_usd), 0),
            func.count(LlmUsage.id).filter(LlmUsage.cost_usd.is_(None)),
        ).where(LlmUsage.at > since, LlmUsage.at <= until)
    ).one()
    by_purpose = session.execute(
        select(LlmUsage.purpose, func.count())
        .where(LlmUsage.at > since, LlmUsage.at <= until)
        .group_by(LlmUsage.purpose)
    ).all()
    return LlmSpend(
        int(calls), int(inp), int(out), Decimal(cost or 0), int(unpriced), {p: int(n) for p, n in by_purpose}
    )
