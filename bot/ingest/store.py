"""Writing usage records: priced, attributed to people, upserted on person · day · provider · model."""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import ARRAY, Column, Date, MetaData, Table, any_, bindparam, insert, literal, select, text
from sqlalchemy.orm import Session

from bot.db.models import CodeActivityDaily, UsageDaily
from bot.db.output_weekly import TouchedOutput, kept_by_writer
from bot.db.upsert import upsert, upsert_statement
from bot.db.usage_partitions import ensure_usage_partitions
from bot.db.usage_weekly import refresh_usage_weekly, take_usage_turn
from bot.domain.model_names import normalise_model_name
from bot.domain.usage_bounds import last_usage_day, usage_value_problems, within_usage_bounds
from bot.ingest.errors import MAX_REPORTED, ProblemCollector, UsageOutOfBounds
from bot.ingest.identity import PersonResolver
from bot.ingest.prices import MicroRates, PriceTable, UnknownModel
from bot.ingest.records import CodeActivityRecord, UsageRecord
from bot.ingest.repeated_keys import RepeatedKeys

BATCH_ROWS = 5_000
# PostgreSQL: rows per INSERT … SELECT, written by the writer's thread while the next ones are read, and
# how many batches may wait for it (the reading waits beyond that: memory stays bounded).
CHUNK_ROWS = 50_000
QUEUED_BATCHES = 20
# While a writer's thread runs, the interpreter hands its lock over at least this often (seconds). The thread
# gives the lock up at every round trip to PostgreSQL, and at the default 5 ms each return waited behind the
# reading thread: a 688,805-row import took 9.2 s instead of 6.4 s (0.5 ms: 6.7 s; 0.1 ms: 6.4 s).
WRITER_SWITCH_INTERVAL = 0.0002
USAGE_KEY = ("person_id", "day", "provider", "model")
# The values each row brings, then the two that are the same for every row of one write.
ROW_VALUES = ("input_tokens", "cached_input_tokens", "output_tokens", "requests", "cost_usd", "cost_source")
WRITE_VALUES = ("source", "updated_at")
USAGE_VALUES = (*ROW_VALUES, *WRITE_VALUES)  # what an upsert updates on a key conflict
# The columns a writer gets for each row, in this order.
STAGED = (*USAGE_KEY, *ROW_VALUES)

# A usage row's key in 64 bits: person id (28 bits) · day's ordinal (20 bits) · the write's model number (16 bits).
_DAY_SHIFT = 16
_PERSON_SHIFT = _DAY_SHIFT + 20


@dataclass
class UsageWriteReport:
    rows: int = 0
    tokens: int = 0
    cost_usd: Decimal = Decimal(0)
    first_day: date | None = None
    last_day: date | None = None
    unmatched_emails: set[str] = field(default_factory=set)
    unpriced_models: dict[str, int] = field(default_factory=dict)  # model → tokens left unpriced
    changed: int = 0  # rows inserted or whose values changed (0: the input matched what was stored)

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
    """Upsert records in bulk inside the caller's transaction.

    Duplicate keys and values outside the usage bounds are reported as problems (the caller refuses the
    whole input); without a collector (a provider's records), a value outside the bounds raises
    UsageOutOfBounds before anything is written, and a key given twice raises ValueError (the caller's
    transaction, rolled back, keeps nothing).
    With `strict_people`, an email not in the people file is a problem instead of unmatched usage.
    The weekly rollup is refreshed for the weeks written; a caller that changes more usage in the
    same transaction (a sync's deletions) passes `refresh_rollup=False` and refreshes once at the end.
    """
    report = UsageWriteReport()
    writer = _usage_writer(session, source=source, now=now)  # on PostgreSQL it waits for its turn first
    resolver = PersonResolver(session, now, create_unmatched=not strict_people)
    bind_day, bind_cost, tail = writer.bind_day, writer.bind_cost, writer.tail
    person_ids: dict[str, int] = {}  # the resolver's answers, once per email
    # Per provider · model as given: a small number for packing keys, its prices (None: not in the table)
    # and the model's stored name.
    models: dict[tuple[str, str], tuple[int, MicroRates | None, str]] = {}
    # Every row's key, packed into one integer: the repeats are found once, after the last row (12 bytes a row).
    keys = RepeatedKeys()
    bound_days: dict[date, object] = {}  # the days written, bound for the database
    last_day = last_usage_day(now)
    batch: list[tuple] = []
    rows = tokens = 0
    micros = 0  # priced from the table, in micro-dollars
    reported = Decimal(0)  # given with the usage, or priced the general way
    try:
        for record in records:
            email = record.email
            person_id = person_ids.get(email)
            if person_id is None:
                person_id = resolver.known_id(email)
                if person_id is None:
                    with writer.connection_turn():  # may add an unmatched person, while rows are being written
                        person_id = resolver.person_id(email)
                if person_id is None:
                    if problems is not None:
                        problems.add(record.line, "email", f"{email} is not in the people file")
                    continue
                person_ids[email] = person_id
            day, provider, model = record.day, record.provider, record.model
            known = models.get((provider, model))
            if known is None:
                # Every writer's records pass here: one spelling per model, whatever the source wrote.
                spelled = normalise_model_name(model)
                known = models.get((provider, spelled))
                if known is None:
                    if len(models) >= 1 << _DAY_SHIFT:
                        raise ValueError(f"more than {1 << _DAY_SHIFT:,} model names in one write: split it")
                    known = models[(provider, spelled)] = (len(models), prices.micro_rates(spelled), spelled)
                models[(provider, model)] = known
            model_id, rates, model = known
            if record.model is not model:
                record.model = model  # what the report and the general pricing path name
            keys.add((person_id << _PERSON_SHIFT) | (day.toordinal() << _DAY_SHIFT) | model_id, record.line)
            input_tokens, cached, output = record.input_tokens, record.cached_input_tokens, record.output_tokens
            counts = (input_tokens, output, cached, record.cache_write_tokens)
            if not within_usage_bounds(day, counts, record.requests, record.cost_usd, last_day):
                found = usage_value_problems(day, counts, record.requests, record.cost_usd, last_day)
                _refuse_values(record, found, problems, source)
                continue
            if problems:
                continue  # the input will be refused: keep checking, stop writing
            cost = record.cost_usd
            if cost is not None:
                cost_source = "reported"
                reported += cost
            else:
                cost_micros = None
                cache_write = record.cache_write_tokens
                if rates is not None and 0 <= cached and 0 <= cache_write and cached + cache_write <= input_tokens:
                    if output >= 0:
                        cost_micros = rates.cost_micros(input_tokens, output, cached, cache_write)
                if cost_micros is not None:
                    cost, cost_source = Decimal(cost_micros).scaleb(-6), "price_table"
                    micros += cost_micros
                else:  # unknown model, odd counts or huge numbers: the general path, with its errors
                    cost, cost_source = price(record, prices, report)
                    reported += cost
                if not within_usage_bounds(day, (0, 0, 0, 0), 0, cost, last_day):
                    # Counts within the bounds can still cost more than a row may.
                    cost_field, allowed = usage_value_problems(day, (0, 0, 0, 0), 0, cost, last_day)[0]
                    _refuse_values(record, [(cost_field, f"priced from the price table: {allowed}")], problems, source)
                    continue
            rows += 1
            tokens += input_tokens + output
            bound_day = bound_days.get(day)
            if bound_day is None:
                bound_day = bound_days[day] = bind_day(day)
            batch.append(
                (
                    person_id,
                    bound_day,
                    provider,
                    model,
                    input_tokens,
                    cached,
                    output,
                    record.requests,
                    bind_cost(cost),
                    cost_source,
                )
                + tail
            )
            if len(batch) >= BATCH_ROWS:
                writer.add(batch)
                batch = []
        rows -= _refuse_repeats(keys, person_ids, models, problems)  # a key given twice is one row (refused)
        if not problems:
            writer.add(batch)
            writer.finish()
            report.changed = writer.changed
    finally:
        writer.close()  # a refused input or a failed read: the writer's thread stops
    report.rows = rows
    report.tokens = tokens
    report.cost_usd = reported + Decimal(micros).scaleb(-6) if rows else Decimal(0)
    if bound_days:
        report.first_day, report.last_day = min(bound_days), max(bound_days)
    report.unmatched_emails = resolver.unmatched
    if refresh_rollup and report.rows and not problems:
        refresh_usage_weekly(session, report.first_day, report.last_day)
    return report


def _refuse_repeats(
    keys: RepeatedKeys,
    person_ids: dict[str, int],
    models: dict[tuple[str, str], tuple[int, MicroRates | None, str]],
    problems: ProblemCollector | None,
) -> int:
    """A person · day · provider · model given twice: a problem on the later line, naming the first; returns
    how many repeats there were.

    The rows were written as they came (the caller's transaction is rolled back when the input is refused).
    Without a collector the records came from a source that merges its rows per key (bot/services/sync.py):
    a repeat there is a bug, raised rather than written twice.
    """
    # Only the first repeats are named: a problem report keeps the first MAX_REPORTED lines, and in a file the
    # repeats come in line order, so a later one could never be among them (it is counted).
    repeats, count = keys.repeats(MAX_REPORTED)
    if not repeats:
        return 0
    emails = {person_id: email for email, person_id in person_ids.items()}
    spelled = {model_id: (provider, model) for (provider, _), (model_id, _, model) in models.items()}
    for key, line, first_line in repeats:
        email = emails[key >> _PERSON_SHIFT]
        day = date.fromordinal((key >> _DAY_SHIFT) & ((1 << (_PERSON_SHIFT - _DAY_SHIFT)) - 1))
        provider, model = spelled[key & ((1 << _DAY_SHIFT) - 1)]
        if problems is None:
            raise ValueError(f"usage for {day} · {provider} · {model} given twice for one person: merge it first")
        problems.add(line, "date", f"{email} · {day} · {provider} · {model} is already on line {first_line}")
    if problems is not None:
        problems.add_more(count - len(repeats))
    return count


def _refuse_values(
    record: UsageRecord, out_of_bounds: list[tuple[str, str]], problems: ProblemCollector | None, source: str
) -> None:
    """Report values outside the usage bounds on the record's line, or raise for a source without lines."""
    if problems is not None:
        for field_name, allowed in out_of_bounds:
            problems.add(record.line, field_name, allowed)
        return
    # No email: this text reaches logs and the CLI, and a provider's row names a person.
    field_name, allowed = out_of_bounds[0]
    raise UsageOutOfBounds(
        f"{source} answered a value outside the usage bounds ({record.day} · {record.provider} · {record.model}, "
        f"{field_name}: {allowed})"
    )


def _usage_writer(session: Session, *, source: str, now: datetime) -> _SqliteUsageWriter | _PostgresUsageWriter:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return _PostgresUsageWriter(session, source=source, now=now)
    if dialect == "sqlite":
        return _SqliteUsageWriter(session, source=source, now=now)
    raise RuntimeError(f"unsupported database {dialect!r}: use SQLite or PostgreSQL")


def _same(value):
    return value


class _SqliteUsageWriter:
    """executemany of plain tuples: the upsert's SQL, the values bound as SQLAlchemy would bind them.

    SQLAlchemy's own executemany spends more time on per-row parameter processing than SQLite does
    on the inserts. Here the column types' own bind processors are applied once per day (Date binds
    as text) and per cost (Numeric binds as a float on SQLite), and once for source and updated_at,
    so the stored values are those SQLAlchemy stores.
    """

    def __init__(self, session: Session, *, source: str, now: datetime) -> None:
        session.flush()
        self._connection = session.connection()
        dialect = self._connection.dialect
        table = UsageDaily.__table__
        columns = (*STAGED, *WRITE_VALUES)
        statement = upsert_statement(dialect.name, table, key=USAGE_KEY, update=USAGE_VALUES)
        compiled = statement.compile(dialect=dialect, column_keys=list(columns))
        if tuple(compiled.positiontup or ()) != columns:
            raise RuntimeError(f"unexpected parameter order in {compiled}")
        self._sql = str(compiled)
        self.changed = 0
        bind = {name: table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns}
        self.tail = ((bind.pop("source") or _same)(source), (bind.pop("updated_at") or _same)(now))
        self.bind_day = bind.pop("day") or _same
        self.bind_cost = bind.pop("cost_usd") or _same
        if any(bind.values()):
            raise RuntimeError("usage_daily has a column this writer does not bind like SQLAlchemy: update it")

    def add(self, batch: list[tuple]) -> None:
        if batch:
            # The upsert updates only rows whose values differ, so the count is what changed.
            self.changed += self._connection.exec_driver_sql(self._sql, batch).rowcount

    def finish(self) -> None:
        pass

    def close(self) -> None:
        pass

    def connection_turn(self) -> nullcontext[None]:
        return nullcontext()  # every row is written by the caller's own thread, as it is added


class _PostgresUsageWriter:
    """Rows written by a thread of their own while the caller reads the next ones: chunks of CHUNK_ROWS
    rows are COPYed into a temporary staging table and go into usage_daily with one INSERT … SELECT each.

    Reading, checking and pricing a file is Python; inserting its rows is PostgreSQL: on two CPUs the two
    overlap, and the import takes about as long as the longer of them instead of their sum. The thread
    uses the caller's connection, so everything stays in the caller's transaction (a refused file leaves
    nothing); whoever else needs the connection meanwhile takes `connection_turn()`.

    A day that held no usage when this write first met it (the usual weekly import) gets a plain INSERT:
    its rows can only collide with each other, which is a key repeated in the input, refused anyway. The
    other days get the upsert (ON CONFLICT DO UPDATE where a value differs). The check is safe because
    every writer of usage takes its turn (take_usage_turn) before it, so no other transaction can add rows
    to such a day before this one commits. Each chunk's statements run inside a savepoint: when the
    database refuses one (a repeated key), the transaction stays usable, the thread writes nothing more,
    and write_usage reports the repeat or raises what the database said.

    The rows go as COPY text, which PostgreSQL reads as it reads any value of the column's type (a cost's
    Decimal as a numeric, rounded to the column's scale as SQLAlchemy's upsert was); source and updated_at
    are bound once, in the INSERT … SELECT.
    """

    STAGING = "buildboard_usage_staging"
    tail = ()
    bind_day = bind_cost = staticmethod(_same)

    def __init__(self, session: Session, *, source: str, now: datetime) -> None:
        session.flush()
        take_usage_turn(session)  # before any day is found empty
        self._session = session
        self._connection = session.connection()
        self._insert, self._upsert = self._statements(source, now)
        self._created = False
        self._had_rows: dict[date, bool] = {}  # each day met: did it hold usage before this write?
        self._turn = threading.Lock()  # held by whoever uses the connection
        self._texts: dict[str | date, str] = {}
        self._queue: queue.Queue[_StagedBatch | None] = queue.Queue(maxsize=QUEUED_BATCHES)
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None
        self._abandoned = False
        self.changed = 0

    @staticmethod
    def _statements(source: str, now: datetime) -> tuple[Any, Any]:
        """The chunk's plain INSERT and its upsert, each for the staged rows of the days bound as `days`."""
        table = UsageDaily.__table__
        staging = Table(
            _PostgresUsageWriter.STAGING, MetaData(), *(Column(name, table.c[name].type) for name in STAGED)
        )
        rows = select(
            *staging.c,
            literal(source, table.c.source.type).label("source"),
            literal(now, table.c.updated_at.type).label("updated_at"),
        ).where(staging.c.day == any_(bindparam("days", type_=ARRAY(Date))))
        inserted = insert(table).from_select([c.name for c in rows.selected_columns], rows)
        upserted = upsert_statement("postgresql", table, key=USAGE_KEY, update=USAGE_VALUES, rows_from=rows)
        # SQLAlchemy reports an INSERT's rowcount only when asked to keep it. Rows whose values did not
        # differ are neither inserted nor updated, so are not counted.
        return (
            inserted.execution_options(preserve_rowcount=True),
            upserted.execution_options(preserve_rowcount=True),
        )

    def add(self, batch: list[tuple]) -> None:
        if not batch or self._failure is not None:
            return
        if self._thread is None:
            _quick_handoffs.enter()
            self._thread = threading.Thread(target=self._write_chunks, name="usage-writer", daemon=True)
            self._thread.start()
        self._queue.put(self._copy_text(batch))

    def _copy_text(self, batch: list[tuple]) -> _StagedBatch:
        """The batch as lines of COPY's text format, made in the caller's thread.

        Formatting rows is Python, which holds the interpreter's lock: done here, beside the reading, the
        writer's thread only hands text to PostgreSQL and waits for it, and never stands in line for the lock.
        """
        texts = self._texts  # each string and day met, as COPY text
        lines = []
        days = set()
        for person_id, day, provider, model, input_tokens, cached, output, requests, cost, cost_source in batch:
            days.add(day)
            lines.append(
                f"{person_id}\t{texts.get(day) or self._text(day)}\t{texts.get(provider) or self._text(provider)}"
                f"\t{texts.get(model) or self._text(model)}\t{input_tokens}\t{cached}\t{output}\t{requests}"
                f"\t{cost}\t{texts.get(cost_source) or self._text(cost_source)}\n"
            )
        return _StagedBatch("".join(lines), days, len(batch))

    def _text(self, value: str | date) -> str:
        text = str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        self._texts[value] = text
        return text

    @contextmanager
    def connection_turn(self) -> Iterator[None]:
        """Use the connection between two of the thread's chunks (it waits meanwhile)."""
        with self._turn:
            yield

    def finish(self) -> None:
        """Wait until every row added is written; raises what the database refused."""
        self._stop()
        if self._failure is not None:
            raise self._failure
        if self._created:
            self._connection.exec_driver_sql(f"DROP TABLE {self.STAGING}")
            self._created = False

    def close(self) -> None:
        """Stop writing (the input was refused, or reading it failed); the caller rolls back."""
        self._abandoned = True
        self._stop()

    def _stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
            _quick_handoffs.leave()

    def _write_chunks(self) -> None:
        chunk: list[_StagedBatch] = []
        size = 0
        while (batch := self._queue.get()) is not None:
            if self._failure is not None or self._abandoned:
                continue  # keep taking batches until the end, so that add() never waits for nothing
            chunk.append(batch)
            size += batch.rows
            if size >= CHUNK_ROWS:
                self._write_safely(chunk)
                chunk, size = [], 0
        if chunk and self._failure is None and not self._abandoned:
            self._write_safely(chunk)

    def _write_safely(self, chunk: list[_StagedBatch]) -> None:
        try:
            with self._turn:
                self._write(chunk)
        except BaseException as exc:  # kept for finish(): raised in the caller's thread, not lost in this one
            self._failure = exc

    def _write(self, chunk: list[_StagedBatch]) -> None:
        # In a savepoint: when the database refuses anything of the chunk, the transaction stays usable for the
        # caller (who may still add an unmatched person) until write_usage reports the problem or raises.
        self._connection.exec_driver_sql("SAVEPOINT buildboard_usage_chunk")
        try:
            self._write_chunk(chunk)
        except BaseException:
            self._connection.exec_driver_sql("ROLLBACK TO SAVEPOINT buildboard_usage_chunk")
            raise
        self._connection.exec_driver_sql("RELEASE SAVEPOINT buildboard_usage_chunk")

    def _write_chunk(self, chunk: list[_StagedBatch]) -> None:
        days = set().union(*(batch.days for batch in chunk))
        met = days - self._had_rows.keys()
        if met:
            # The months written get their partitions (in this transaction) before the rows go in.
            ensure_usage_partitions(self._session, met)
            with_rows = set(
                self._connection.execute(
                    text(
                        "SELECT met.day FROM unnest(CAST(:days AS date[])) AS met(day)"
                        " WHERE EXISTS (SELECT 1 FROM usage_daily WHERE usage_daily.day = met.day)"
                    ),
                    {"days": sorted(met)},
                ).scalars()
            )
            self._had_rows.update((day, day in with_rows) for day in met)
        self._stage(chunk)
        new_days = [day for day in days if not self._had_rows[day]]
        stored_days = [day for day in days if self._had_rows[day]]
        for statement, chosen in ((self._insert, new_days), (self._upsert, stored_days)):
            if chosen:
                self.changed += max(self._connection.execute(statement, {"days": chosen}).rowcount, 0)

    def _stage(self, chunk: list[_StagedBatch]) -> None:
        """The chunk's rows, alone in the staging table."""
        if self._created:
            self._connection.exec_driver_sql(f"TRUNCATE {self.STAGING}")
        else:
            self._connection.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{self.STAGING}")
            self._connection.exec_driver_sql(
                f"CREATE TEMPORARY TABLE {self.STAGING} ON COMMIT DROP AS "
                f"SELECT {', '.join(STAGED)} FROM {UsageDaily.__tablename__} WITH NO DATA"
            )
            self._created = True
        driver = self._connection.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(f"COPY {self.STAGING} ({', '.join(STAGED)}) FROM STDIN") as copy:
            for batch in chunk:
                copy.write(batch.lines)


class _QuickHandoffs:
    """The interpreter's switch interval at most WRITER_SWITCH_INTERVAL while any writer's thread runs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._writers = 0
        self._before = 0.0

    def enter(self) -> None:
        with self._lock:
            if self._writers == 0:
                self._before = sys.getswitchinterval()
                sys.setswitchinterval(min(self._before, WRITER_SWITCH_INTERVAL))
            self._writers += 1

    def leave(self) -> None:
        with self._lock:
            self._writers -= 1
            if self._writers == 0:
                sys.setswitchinterval(self._before)


_quick_handoffs = _QuickHandoffs()


class _StagedBatch(NamedTuple):
    lines: str  # COPY text, a line per row
    days: set[date]
    rows: int


def write_code_activity(session: Session, records: Iterable[CodeActivityRecord], *, now: datetime) -> int:
    """Upsert coding-agent activity on person · day · provider, and the counted output of the person-weeks it
    touched (its pull requests are evidence: bot/db/output_weekly.py); returns the number of rows."""
    with kept_by_writer(session) as touched:
        return _write_code_activity(session, records, now=now, touched=touched)


def _write_code_activity(
    session: Session, records: Iterable[CodeActivityRecord], *, now: datetime, touched: TouchedOutput
) -> int:
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
            "agent_requests": r.agent_requests,
            "composer_requests": r.composer_requests,
            "chat_requests": r.chat_requests,
            "updated_at": now,
        }
        for r in records
    ]
    for row in rows:
        touched.add(row["person_id"], row["day"])
    for start in range(0, len(rows), BATCH_ROWS):
        upsert(
            session,
            CodeActivityDaily.__table__,
            rows[start : start + BATCH_ROWS],
            key=("person_id", "day", "provider"),
            update=(
                "sessions",
                "lines_added",
                "lines_removed",
                "commits",
                "pull_requests",
                "agent_requests",
                "composer_requests",
                "chat_requests",
                "updated_at",
            ),
        )
    return len(rows)
