"""Writing usage records: priced, attributed to people, upserted on person · day · provider · model."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, MetaData, Table, literal, select
from sqlalchemy.orm import Session

from bot.db.models import CodeActivityDaily, UsageDaily
from bot.db.upsert import upsert, upsert_statement
from bot.ingest.errors import ProblemCollector
from bot.ingest.identity import PersonResolver
from bot.ingest.prices import MicroRates, PriceTable, UnknownModel
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
) -> UsageWriteReport:
    """Upsert records in bulk inside the caller's transaction.

    Duplicate keys within one input are reported as problems (the caller refuses the whole input).
    With `strict_people`, an email not in the people file is a problem instead of unmatched usage.
    """
    report = UsageWriteReport()
    resolver = PersonResolver(session, now, create_unmatched=not strict_people)
    writer = _usage_writer(session, source=source, now=now)
    # Packed keys keep duplicate detection affordable for files of millions of rows.
    model_ids: dict[tuple[str, str], int] = {}
    seen_keys: dict[int, int] = {}
    rates: dict[str, MicroRates | None] = {}
    batch: list[tuple] = []
    rows = tokens = 0
    micros = 0  # priced from the table, in micro-dollars
    reported = Decimal(0)  # given with the usage
    first_day = last_day = None
    for record in records:
        person_id = resolver.person_id(record.email)
        if person_id is None:
            if problems is not None:
                problems.add(record.line, "email", f"{record.email} is not in the people file")
            continue
        day = record.day
        model = record.model
        model_id = model_ids.setdefault((record.provider, model), len(model_ids))
        packed = (person_id << 40) | (day.toordinal() << 20) | model_id
        earlier = seen_keys.get(packed)
        if earlier is not None:
            if problems is not None:
                problems.add(
                    record.line,
                    "date",
                    f"{record.email} · {day} · {record.provider} · {model} is already on line {earlier}",
                )
            continue
        seen_keys[packed] = record.line
        if problems:
            continue  # the input will be refused: keep checking, stop writing
        cost = record.cost_usd
        if cost is not None:
            cost_source = "reported"
            reported += cost
        else:
            try:
                model_rates = rates[model]
            except KeyError:
                model_rates = rates[model] = prices.micro_rates(model)
            cost_micros = None
            if model_rates is not None and _countable(record):
                cost_micros = model_rates.cost_micros(
                    record.input_tokens, record.output_tokens, record.cached_input_tokens, record.cache_write_tokens
                )
            if cost_micros is not None:
                cost, cost_source = Decimal(cost_micros).scaleb(-6), "price_table"
                micros += cost_micros
            else:  # unknown model, odd counts or huge numbers: the general path, with its errors
                cost, cost_source = price(record, prices, report)
                reported += cost
        rows += 1
        tokens += record.input_tokens + record.output_tokens
        if first_day is None or day < first_day:
            first_day = day
        if last_day is None or day > last_day:
            last_day = day
        batch.append(
            (
                person_id,
                day,
                record.provider,
                model,
                record.input_tokens,
                record.cached_input_tokens,
                record.output_tokens,
                record.requests,
                cost,
                cost_source,
            )
        )
        if len(batch) >= BATCH_ROWS:
            writer.add(batch)
            batch = []
    if not problems:
        writer.add(batch)
        writer.finish()
    report.rows = rows
    report.tokens = tokens
    report.cost_usd = reported + Decimal(micros).scaleb(-6) if rows else Decimal(0)
    report.first_day, report.last_day = first_day, last_day
    report.unmatched_emails = resolver.unmatched
    return report


# The columns a writer gets for each row, in this order; `source` and `updated_at` are the same for all.
STAGED = (
    "person_id",
    "day",
    "provider",
    "model",
    "input_tokens",
    "cached_input_tokens",
    "output_tokens",
    "requests",
    "cost_usd",
    "cost_source",
)
USAGE_KEY = ("person_id", "day", "provider", "model")


def _usage_writer(session: Session, *, source: str, now: datetime) -> _SqliteUsageWriter | _PostgresUsageWriter:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return _PostgresUsageWriter(session, source=source, now=now)
    if dialect == "sqlite":
        return _SqliteUsageWriter(session, source=source, now=now)
    raise RuntimeError(f"unsupported database {dialect!r}: use SQLite or PostgreSQL")


class _SqliteUsageWriter:
    """executemany of plain tuples: the upsert's SQL, the values bound as SQLAlchemy would bind them.

    SQLAlchemy's own executemany spends more time on per-row parameter processing than SQLite does
    on the inserts, so the two columns that need processing on SQLite (the day, and cost_usd, which
    Numeric binds as a float there) are converted here with the column types' own bind processors.
    """

    def __init__(self, session: Session, *, source: str, now: datetime) -> None:
        session.flush()
        self._connection = session.connection()
        dialect = self._connection.dialect
        table = UsageDaily.__table__
        columns = (*STAGED, "source", "updated_at")
        statement = upsert_statement(dialect.name, table, key=USAGE_KEY, update=USAGE_VALUES)
        compiled = statement.compile(dialect=dialect, column_keys=list(columns))
        if tuple(compiled.positiontup or ()) != columns:
            raise RuntimeError(f"unexpected parameter order in {compiled}")
        self._sql = str(compiled)
        bind = {name: table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns}
        identity = lambda value: value  # noqa: E731
        constants = {"source": source, "updated_at": now}
        self._constants = tuple((bind.pop(name) or identity)(value) for name, value in constants.items())
        self._day = bind.pop("day") or identity
        self._cost = bind.pop("cost_usd") or identity
        if any(bind.values()):
            raise RuntimeError("usage_daily has a column this writer does not bind like SQLAlchemy: update it")
        self._days: dict[date, object] = {}

    def add(self, batch: list[tuple]) -> None:
        if not batch:
            return
        days, day_of, cost_of, constants = self._days, self._day, self._cost, self._constants
        rows = []
        for person_id, day, provider, model, input_tokens, cached, output, requests, cost, cost_source in batch:
            bound_day = days.get(day)
            if bound_day is None:
                bound_day = days[day] = day_of(day)
            rows.append(
                (
                    person_id,
                    bound_day,
                    provider,
                    model,
                    input_tokens,
                    cached,
                    output,
                    requests,
                    cost_of(cost),
                    cost_source,
                    *constants,
                )
            )
        self._connection.exec_driver_sql(self._sql, rows)

    def finish(self) -> None:
        pass


class _PostgresUsageWriter:
    """COPY into a temporary staging table, then one INSERT … SELECT … ON CONFLICT DO UPDATE.

    Everything happens in the caller's transaction; the staging table is dropped at the end (and at
    commit or rollback in any case).
    """

    STAGING = "buildboard_usage_staging"

    def __init__(self, session: Session, *, source: str, now: datetime) -> None:
        session.flush()
        self._connection = session.connection()
        self._source = source
        self._now = now
        self._created = False

    def add(self, batch: list[tuple]) -> None:
        if not batch:
            return
        if not self._created:
            self._connection.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{self.STAGING}")
            self._connection.exec_driver_sql(
                f"CREATE TEMPORARY TABLE {self.STAGING} ON COMMIT DROP AS "
                f"SELECT {', '.join(STAGED)} FROM {UsageDaily.__tablename__} WITH NO DATA"
            )
            self._created = True
        driver = self._connection.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(f"COPY {self.STAGING} ({', '.join(STAGED)}) FROM STDIN") as copy:
            for row in batch:
                copy.write_row(row)

    def finish(self) -> None:
        if not self._created:
            return
        table = UsageDaily.__table__
        staging = Table(self.STAGING, MetaData(), *(Column(name, table.c[name].type) for name in STAGED))
        rows = select(
            *staging.c,
            literal(self._source, table.c.source.type).label("source"),
            literal(self._now, table.c.updated_at.type).label("updated_at"),
        )
        self._connection.execute(
            upsert_statement("postgresql", table, key=USAGE_KEY, update=USAGE_VALUES, rows_from=rows)
        )
        self._connection.exec_driver_sql(f"DROP TABLE {self.STAGING}")
        self._created = False


def _countable(record: UsageRecord) -> bool:
    """Token counts PriceTable.cost_usd accepts (it raises on the others)."""
    return (
        record.input_tokens >= record.cached_input_tokens + record.cache_write_tokens
        and record.cached_input_tokens >= 0
        and record.cache_write_tokens >= 0
        and record.output_tokens >= 0
    )


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
