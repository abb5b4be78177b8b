"""Usage import: `buildboard usage import` against the database's own bulk load of the same rows."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.core import FULL_PEOPLE, Result, seconds
from bench.data import Dataset
from bench.setup import NOW, rebuild_rollup
from bot.demo.synthetic import MODELS
from bot.ingest.prices import PriceTable

# Issue 20: a week's import at most 1.5x the raw bulk load at 85,000 people, 2x COPY at a million.
TARGET = 1.5
LARGE_TARGET = 2.0
MEMORY_TARGET_MB = 1024  # every command of a million-person organisation
COLUMNS = (
    "person_id, day, provider, model, input_tokens, cached_input_tokens, output_tokens, requests, "
    "cost_usd, cost_source, source, updated_at"
)


def _delete_usage(url: str, since: date | None) -> None:
    """Remove the usage rows from `since` on (all of them when None)."""
    engine = create_engine(url)
    with engine.begin() as connection:
        if since is None and engine.dialect.name == "postgresql":
            connection.execute(text("TRUNCATE usage_daily, usage_weekly RESTART IDENTITY"))
        elif since is None:
            connection.execute(text("DELETE FROM usage_daily"))
            connection.execute(text("DELETE FROM usage_weekly"))
        else:
            connection.execute(text("DELETE FROM usage_daily WHERE day >= :since"), {"since": since})
            connection.execute(text("DELETE FROM usage_weekly WHERE week_start >= :since"), {"since": since})
    if since is not None and engine.dialect.name == "postgresql":
        # The baseline loaded the week into days that never held rows, as a weekly import meets them in
        # production; without a VACUUM the import would wade through the dead rows the DELETE left behind
        # in the table and its indexes (measured: 5.4 instead of 4.6 s for its inserts).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM usage_daily"))
    engine.dispose()


def bulk_load(database: str, url: str, usage_csv: Path, *, priced: bool = False) -> int:
    """The rows loaded by the database alone. `priced`: with the bundled price table's costs (setup
    data for the other benchmarks, which need spend); unpriced, it is the import's baseline."""
    if database == "postgres":
        return bulk_load_postgres(url, usage_csv, priced=priced)
    return bulk_load_sqlite(url, usage_csv, priced=priced)


def model_prices() -> dict[str, tuple[float, float, float]]:
    """USD per uncached input, cached input and output token of every model the generator uses."""
    table = PriceTable.load()
    prices = {}
    for _, model, _, _ in MODELS:
        price = table.price_for(model)
        prices[model] = (float(price.input), float(price.cached_input), float(price.output))
    return prices


def bulk_load_postgres(url: str, usage_csv: Path, *, priced: bool = False) -> int:
    """COPY the CSV into a staging table, then one INSERT … SELECT joining people (the database alone)."""
    import psycopg

    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as connection:
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE usage_load (day date, email text, provider text, model text, input_tokens bigint,"
                " output_tokens bigint, cached_input_tokens bigint, requests integer) ON COMMIT DROP"
            )
            with (
                open(usage_csv, "rb") as handle,
                cursor.copy("COPY usage_load FROM STDIN (FORMAT csv, HEADER true)") as copy,
            ):
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
            cost = "0"
            if priced:
                cursor.execute(
                    "CREATE TEMP TABLE model_price (model text PRIMARY KEY, input numeric, cached numeric,"
                    " output numeric) ON COMMIT DROP"
                )
                cursor.executemany(
                    "INSERT INTO model_price VALUES (%s, %s, %s, %s)",
                    [(model, *rates) for model, rates in model_prices().items()],
                )
                cost = (
                    "round((u.input_tokens - u.cached_input_tokens) * m.input + u.cached_input_tokens * m.cached"
                    " + u.output_tokens * m.output, 6)"
                )
            cursor.execute(
                f"INSERT INTO usage_daily ({COLUMNS}) SELECT p.id, u.day, u.provider, u.model, u.input_tokens,"
                f" u.cached_input_tokens, u.output_tokens, u.requests, {cost}, 'price_table', 'csv', %s"
                " FROM usage_load u JOIN people p ON p.email = u.email"
                + (" JOIN model_price m ON m.model = u.model" if priced else ""),
                (NOW,),
            )
            return cursor.rowcount


def bulk_load_sqlite(url: str, usage_csv: Path, *, priced: bool = False) -> int:
    """One executemany of the CSV's rows (emails mapped to ids) in one transaction."""
    path = url.split("///", 1)[1]
    connection = sqlite3.connect(path)
    try:
        ids = dict(connection.execute("SELECT email, id FROM people WHERE email IS NOT NULL").fetchall())
        now = NOW.isoformat(sep=" ")
        rates = model_prices() if priced else {}
        free = (0.0, 0.0, 0.0)

        def cost(model: str, inp: int, cached: int, out: int) -> float:
            uncached_rate, cached_rate, output_rate = rates.get(model, free)
            return round((inp - cached) * uncached_rate + cached * cached_rate + out * output_rate, 6)

        with open(usage_csv, newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            next(reader)
            rows = (
                (
                    ids[email],
                    day,
                    provider,
                    model,
                    int(inp),
                    int(cached),
                    int(out),
                    int(req),
                    cost(model, int(inp), int(cached), int(out)) if priced else 0,
                    "price_table",
                    "csv",
                    now,
                )
                for day, email, provider, model, inp, out, cached, req in reader
            )
            with connection:
                cursor = connection.executemany(
                    f"INSERT INTO usage_daily ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
                )
                return cursor.rowcount
    finally:
        connection.close()


def product_import(url: str, usage_csv: Path) -> int:
    """The real `buildboard usage import FILE` (argument parsing, settings, pricing, upserts)."""
    from bot.cli import main as cli_main

    saved = {key: os.environ.get(key) for key in ("DATABASE_URL", "BUILDBOARD_PRICES_FILE")}
    os.environ["DATABASE_URL"] = url
    os.environ.pop("BUILDBOARD_PRICES_FILE", None)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            code = cli_main(["usage", "import", str(usage_csv)])
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    if code != 0:
        raise RuntimeError(f"buildboard usage import failed ({code}): {out.getvalue()}")
    return int(out.getvalue().split(": ", 1)[1].split(" usage row", 1)[0].replace(",", ""))  # "1,234 usage rows"


def product_import_process(url: str, usage_csv: Path) -> dict:
    """`product_import` in a fresh process: its rows, its seconds (from the command's call, without the
    interpreter's start) and its peak memory (VmHWM)."""
    answer = subprocess.run(
        [sys.executable, "-m", "bench.usage_import", url, str(usage_csv)],
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    if answer.returncode != 0:
        raise RuntimeError(f"usage import probe failed: {answer.stderr[-2000:]}")
    return json.loads(answer.stdout.strip().splitlines()[-1])


def _probe(url: str, usage_csv: str) -> None:
    import bot.cli  # noqa: F401  (imported before the clock starts, as the in-process measure had it)

    started = time.perf_counter()
    rows = product_import(url, Path(usage_csv))
    took = time.perf_counter() - started
    peak = 0.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            peak = int(line.split()[1]) / 1024
    print(json.dumps({"rows": rows, "seconds": took, "peak_mb": peak}))


def count_usage(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.scalar(text("SELECT count(*) FROM usage_daily"))
    engine.dispose()
    return int(count)


def run(database: str, url: str, ds: Dataset, *, all_weeks: bool = False, log=print) -> Result:
    """Import usage through `buildboard usage import`, against the bulk load of the same rows.

    By default the weeks before the last one are bulk-loaded as setup and the benchmark imports the
    last week into that history (the weekly import as it happens in production); `all_weeks` imports
    all of them into an empty table instead. Leaves the product's rows in place either way.
    """
    if all_weeks:
        _delete_usage(url, None)
        usage_csv, rows, since, what = ds.usage_csv, ds.usage_rows, None, f"{ds.weeks} weeks"
    else:
        history, usage_csv, rows = ds.split_usage()
        _delete_usage(url, None)
        log(f"  [{database}] usage import: bulk-loading the {ds.weeks - 1} earlier weeks as history …")
        bulk_load(database, url, history, priced=True)
        rebuild_rollup(url)  # the history's weekly rollup, as write_usage would have kept it
        since, what = ds.last_week_start, f"last week into {ds.weeks - 1} weeks of history"
    log(f"  [{database}] usage import: baseline bulk load of {rows:,} rows …")
    started = time.perf_counter()
    loaded = bulk_load(database, url, usage_csv)
    baseline = time.perf_counter() - started
    _delete_usage(url, since)
    log(f"  [{database}] usage import: baseline {seconds(baseline)}; now `buildboard usage import` …")
    figures = product_import_process(url, usage_csv)
    imported, measured, peak = figures["rows"], figures["seconds"], figures["peak_mb"]
    log(f"  [{database}] usage import: measured {seconds(measured)}, peak {peak:.0f} MB")
    stored = count_usage(url)
    ratio = measured / baseline
    target = LARGE_TARGET if ds.people > FULL_PEOPLE else TARGET
    note = ""
    if not (loaded == imported == rows) or stored != ds.usage_rows:
        note = (
            f"row counts differ: baseline {loaded}, import {imported}, file {rows}; stored {stored} of {ds.usage_rows}"
        )
    return Result(
        database,
        f"usage import ({rows:,} rows: {what})",
        f"{seconds(baseline)} ({'COPY' if database == 'postgres' else 'executemany'})",
        f"{seconds(measured)} ({rows / measured:,.0f} rows/s), peak {peak:.0f} MB",
        ratio,
        f"ratio ≤ {target:g}, peak < {MEMORY_TARGET_MB} MB",
        ratio <= target and peak < MEMORY_TARGET_MB and not note,
        note,
    )


if __name__ == "__main__":
    _probe(sys.argv[1], sys.argv[2])
