"""Writing usage records: priced, attributed to people, upserted on person · day · provider · model."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from bot.db.models import CodeActivityDaily, UsageDaily
from bot.db.upsert import upsert
from bot.db.usage_weekly import refresh_usage_weekly
from bot.ingest.errors import ProblemCollector
from bot.ingest.identity import PersonResolver
from bot.ingest.prices import PriceTable, UnknownModel
from bot.ingest.records import CodeActivityRecord, UsageRecord

BATCH_ROWS = 5_000
USAGE_VALUES = (
    "input_tokens",
    "cached_input_tokens",
    "output_tokens",
    "requests",
    "cost_usd",
    "cost_source",
    "source",
    "updated_at",
)


@dataclass
class UsageWriteReport:
    rows: int = 0
    tokens: int = 0
    cost_usd: Decimal = Decimal(0)
    first_day: date | None = None
    last_day: date | None = None
    unmatched_emails: set[str] = field(default_factory=set)
    unpriced_models: dict[str, int] = field(default_factory=dict)  # model → tokens left unpriced

    def note(self, record: UsageRecord, cost: Decimal) -> None:
        self.rows += 1
        self.tokens += record.input_tokens + record.output_tokens
        self.cost_usd += cost
        if self.first_day is None or record.day < self.first_day:
            self.first_day = record.day
        if self.last_day is None or record.day > self.last_day:
            self.last_day = record.day


def price(record: UsageRecord, prices: PriceTable, report: UsageWriteReport) -> tuple[Decimal, str]:
    """The record's cost and where it came from: the provider's figure first, then the price table."""
    if record.cost_usd is not None:
        return record.cost_usd, "reported"
    try:
        cost = prices.cost_usd(
            record.model,
            input_tokens=record.input_tokens,
            output_tokens=record.output_tokens,
            cached_input_tokens=record.cached_input_tokens,
            cache_write_tokens=record.cache_write_tokens,
        )
    except UnknownModel:
        report.unpriced_models[record.model] = (
            report.unpriced_models.get(record.model, 0) + record.input_tokens + record.output_tokens
        )
        return Decimal(0), "unpriced"
    return cost, "price_table"


def write_usage(
    session: Session,
    records: Iterable[UsageRecord],
    *,
    prices: PriceTable,
    source: str,
    now: datetime,
    problems: ProblemCollector | None = None,
    strict_people: bool = False,
    refresh_rollup: bool = True,
) -> UsageWriteReport:
    """Upsert records in batches inside the caller's transaction.

    Duplicate keys within one input are reported as problems (the caller refuses the whole input).
    With `strict_people`, an email not in the people file is a problem instead of unmatched usage.
    The weekly rollup is refreshed for the weeks written; a caller that changes more usage in the
    same transaction (a sync's deletions) passes `refresh_rollup=False` and refreshes once at the end.
    """
    report = UsageWriteReport()
    resolver = PersonResolver(session, now, create_unmatched=not strict_people)
    # Packed keys keep duplicate detection affordable for files of millions of rows.
    model_ids: dict[tuple[str, str], int] = {}
    seen_keys: dict[int, int] = {}
    batch: list[dict] = []
    table = UsageDaily.__table__
    for record in records:
        person_id = resolver.person_id(record.email)
        if person_id is None:
            if problems is not None:
                problems.add(record.line, "email", f"{record.email} is not in the people file")
            continue
        model_id = model_ids.setdefault((record.provider, record.model), len(model_ids))
        packed = (person_id << 40) | (record.day.toordinal() << 20) | model_id
        earlier = seen_keys.get(packed)
        if earlier is not None:
            if problems is not None:
                problems.add(
                    record.line,
                    "date",
                    f"{record.email} · {record.day} · {record.provider} · {record.model} is already on line {earlier}",
                )
            continue
        seen_keys[packed] = record.line
        if problems:
            continue  # the input will be refused: keep checking, stop writing
        cost, cost_source = price(record, prices, report)
        report.note(record, cost)
        batch.append(
            {
                "person_id": person_id,
                "day": record.day,
                "provider": record.provider,
                "model": record.model,
                "input_tokens": record.input_tokens,
                "cached_input_tokens": record.cached_input_tokens,
                "output_tokens": record.output_tokens,
                "requests": record.requests,
                "cost_usd": cost,
                "cost_source": cost_source,
                "source": source,
                "updated_at": now,
            }
        )
        if len(batch) >= BATCH_ROWS:
            upsert(session, table, batch, key=("person_id", "day", "provider", "model"), update=USAGE_VALUES)
            batch.clear()
    if batch and not problems:
        upsert(session, table, batch, key=("person_id", "day", "provider", "model"), update=USAGE_VALUES)
    report.unmatched_emails = resolver.unmatched
    if refresh_rollup and report.rows and not problems:
        refresh_usage_weekly(session, report.first_day, report.last_day)
    return report


def write_code_activity(session: Session, records: Iterable[CodeActivityRecord], *, now: datetime) -> int:
    """Upsert coding-agent activity on person · day · provider; returns the number of rows."""
    resolver = PersonResolver(session, now)
    rows = [
        {
            "person_id": resolver.person_id(r.email),
            "day": r.day,
            "provider": r.provider,
            "sessions": r.sessions,
            "lines_added": r.lines_added,
            "lines_removed": r.lines_removed,
            "commits": r.commits,
            "pull_requests": r.pull_requests,
            "updated_at": now,
        }
        for r in records
    ]
    for start in range(0, len(rows), BATCH_ROWS):
        upsert(
            session,
            CodeActivityDaily.__table__,
            rows[start : start + BATCH_ROWS],
            key=("person_id", "day", "provider"),
            update=("sessions", "lines_added", "lines_removed", "commits", "pull_requests", "updated_at"),
        )
    return len(rows)
