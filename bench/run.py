"""`python -m bench`: every benchmark on SQLite and PostgreSQL, printed as one table of ratios.

Each figure is measured beside a baseline taken in the same run on the same data, because the
machine is shared and noisy; the ratio is what is compared with the target.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from bench import charts, cursor_sync, digest, fanout, http_commands, large_team, leaderboard, org_import, usage_import
from bench.core import FULL_PEOPLE, Result, table
from bench.data import DATA_DIR, dataset, people_file
from bench.setup import (
    analyze,
    build_period_figures_as_at_night,
    load_artifacts,
    load_people,
    rebuild_rollup,
    reset,
    usage_partitions,
)
from bot.services.period_figures import built_summary

QUICK_PEOPLE = 5_000
ORG_ROUNDS = 3  # `--only org`: rounds of baseline and import, medians reported (the COPY alone varies by half)
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/bb_bench"
ALL = ("org", "import", "digest", "memory", "team", "leaderboard", "http", "fanout", "cursor", "charts")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--people", type=int, default=None, help=f"default {FULL_PEOPLE:,} ({QUICK_PEOPLE:,} with --quick)"
    )
    parser.add_argument("--quick", action="store_true", help="a small organisation and fewer repeats (a smoke test)")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES), help="wiped and reused"
    )
    parser.add_argument("--sqlite-path", type=Path, default=None, help="default bench/.data/bench-<people>.db")
    parser.add_argument("--only", nargs="+", choices=ALL, default=list(ALL), help="run only these benchmarks")
    parser.add_argument("--requests", type=int, default=None, help="slash commands per HTTP benchmark (400; 100 quick)")
    parser.add_argument("--messages", type=int, default=None, help="DMs in the fan-out (2,000; 100 quick)")
    parser.add_argument(
        "--import-all-weeks",
        action="store_true",
        help="import all 13 weeks through `usage import` (default: the last week into 12 weeks of history)",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep the data already loaded (skips the import benchmark's setup)"
    )
    return parser.parse_args(argv)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} CPUs ({cpu}){memory}, Python {platform.python_version()}"


def _url(args: argparse.Namespace, database: str, people: int) -> str:
    if database == "sqlite":
        return f"sqlite:///{args.sqlite_path or DATA_DIR / f'bench-{people}.db'}"
    return args.postgres_url


def _org_only_url(url: str) -> str:
    """`--only org` alone empties its database before every round: a database of its own (`bench-N-org.db`,
    `<database>_org`), so the other benchmarks' organisation, which `--reuse` runs on, is left as it was."""
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        return f"sqlite:///{path.with_name(f'{path.stem}-org{path.suffix}')}"
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_org").render_as_string(hide_password=False)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    people = args.people or (QUICK_PEOPLE if args.quick else FULL_PEOPLE)
    repeats = 3 if args.quick else 5
    requests = args.requests or (100 if args.quick else 400)
    messages = args.messages or (100 if args.quick else 2_000)

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    databases = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    results: list[Result] = []
    started = time.perf_counter()
    if args.only == ["org"]:  # the people file alone: no usage to generate (400,000 people and more)
        people_csv = people_file(people, log=log)
        for database in databases:
            url = _org_only_url(_url(args, database, people))
            log(f"[{database}] {url.split('@')[-1]}")
            reset(url)
            # Alone, the benchmark takes the median of a few rounds (one at 400,000 people and more, or --quick).
            rounds = 1 if args.quick or people >= org_import.SECONDS_TARGET_FROM else ORG_ROUNDS
            results.append(org_import.run(database, url, people_csv, people, rounds=rounds, fresh=reset, log=log))
        print(f"Buildboard benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}")
        print(f"organisation: {people:,} people; took {time.perf_counter() - started:.0f} s")
        print()
        print(table(results))
        return 0 if all(r.passed is not False for r in results) else 1
    ds = dataset(people, log=log)
    log(f"organisation: {ds.people:,} people, {ds.usage_rows:,} usage rows, {ds.artifacts:,} artifacts")
    if "charts" in args.only:  # drawing needs no database: measured once
        results.extend(charts.run(3 if args.quick else 7, log=log))
        results.extend(charts.memory(10 if args.quick else charts.CHARTS_IN_A_ROW))
    for database in databases:
        url = _url(args, database, people)
        log(f"[{database}] {url.split('@')[-1]}")
        if not args.reuse:
            reset(url)
            usage_partitions(url, ds.first_day, ds.end_date)
            if "org" in args.only:  # the product's import of the people file stays as the other benchmarks' people
                results.append(org_import.run(database, url, ds.people_csv, ds.people, log=log))
            else:
                load_people(url, ds.people_csv)
            load_artifacts(url, ds.artifacts_csv)
            if "import" in args.only:  # it leaves the product's own import of the usage in place
                results.append(usage_import.run(database, url, ds, all_weeks=args.import_all_weeks, log=log))
            else:
                usage_import.bulk_load(database, url, ds.usage_csv, priced=True)
                rebuild_rollup(url)
            analyze(url)
        if "digest" in args.only:
            results.append(digest.run(database, url, repeats, log=log, people=ds.people))
        if "memory" in args.only:
            results.append(digest.memory(database, url, people=ds.people))
        if {"team", "http"} & set(args.only):  # as the nightly job leaves them (the loads above wrote about everyone)
            built = build_period_figures_as_at_night(url)
            log(f"  [{database}] period sums: {'still held' if built is None else built_summary(built)}")
        if "team" in args.only:
            results.append(large_team.run(database, url, repeats, log=log))
        if "leaderboard" in args.only:
            results.append(leaderboard.run(database, url, repeats, log=log))
        if "http" in args.only:
            results.extend(http_commands.run(database, url, ds, requests, log=log))
        if "fanout" in args.only:
            results.append(fanout.run(database, url, ds, messages, log=log))
        if "cursor" in args.only:  # last: it adds a month of Cursor usage and seats to the organisation
            results.append(cursor_sync.run(database, url, log=log))
    print(f"Buildboard benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}")
    print(
        f"organisation: {ds.people:,} people, {ds.usage_rows:,} usage rows over {ds.weeks} weeks, "
        f"{ds.artifacts:,} artifacts; took {time.perf_counter() - started:.0f} s"
    )
    print()
    print(table(results))
    return 0 if all(r.passed is not False for r in results) else 1
