"""The weekly digest computation (all people), its time against one bare GROUP BY, and its peak memory."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from bench.core import FULL_PEOPLE, Result, interleaved, seconds
from bench.setup import NOW, forget_kept_output
from bot.db.engine import make_engine, make_session_factory
from bot.domain.periods import IsoWeek
from bot.services.digest import compute_digest
from bot.settings import Settings

# Issue 20: at most 1.3x the bare GROUP BY at 85,000 people; under 15 s and 1.5x at a million.
RATIO_TARGET = 1.3
SECONDS_TARGET = 3.0
MEMORY_TARGET_MB = 400
# Beyond the 85,000-person organisation (FULL_PEOPLE) the targets are the million-person ones (issue 20, item 7).
LARGE_SECONDS_TARGET = 15.0
LARGE_RATIO_TARGET = 1.5
LARGE_MEMORY_TARGET_MB = 1024
BARE_GROUP_BY = text(
    "SELECT person_id, SUM(input_tokens + output_tokens), SUM(cost_usd) FROM usage_daily"
    " WHERE day >= :start AND day <= :end GROUP BY person_id"
)


def bench_week() -> IsoWeek:
    return IsoWeek.last_complete(NOW, Settings(_env_file=None).zone)


def run(database: str, url: str, repeats: int, log=print, *, people: int = 0) -> Result:
    week = bench_week()
    large = people > FULL_PEOPLE
    seconds_target = LARGE_SECONDS_TARGET if large else SECONDS_TARGET
    ratio_target = LARGE_RATIO_TARGET if large else RATIO_TARGET
    settings = Settings(database_url=url, _env_file=None)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    try:

        def baseline():
            with engine.connect() as connection:
                return connection.execute(BARE_GROUP_BY, {"start": week.start, "end": week.end}).all()

        def measured():
            with sessions() as session:
                return compute_digest(session, week, settings)

        log(f"  [{database}] digest: {repeats} alternating runs of each …")
        base, took = interleaved(baseline, measured, repeats)

        def output_computed():  # counted output computed, as if output_weekly were not kept
            with sessions() as session:
                forget_kept_output(session)
                compute_digest(session, week, settings)
                session.rollback()

        kept, computed = interleaved(measured, output_computed, max(3, repeats // 2))
        log(f"  [{database}] digest: output kept {seconds(kept)}, computed {seconds(computed)}")
    finally:
        engine.dispose()
    ratio = took / base
    return Result(
        database,
        f"weekly digest {week} (all people)",
        f"{seconds(base)} (bare GROUP BY)",
        f"{seconds(took)} (compute_digest)",
        ratio,
        f"ratio ≤ {ratio_target:g} and < {seconds_target:g} s",
        ratio <= ratio_target and took < seconds_target,
        f"median of {repeats}; with counted output read from output_weekly {seconds(kept)}, computed "
        f"{seconds(computed)} (alternated)",
    )


def memory(database: str, url: str, *, people: int = 0) -> Result:
    """Peak RSS of a fresh process computing the digest (it counts the drivers' C buffers, unlike tracemalloc)."""
    answer = subprocess.run(
        [sys.executable, "-m", "bench.digest", url], capture_output=True, text=True, check=False, timeout=600
    )
    if answer.returncode != 0:
        raise RuntimeError(f"memory probe failed: {answer.stderr[-2000:]}")
    figures = json.loads(answer.stdout.strip().splitlines()[-1])
    peak, growth = figures["peak_mb"], figures["growth_mb"]
    target_mb = LARGE_MEMORY_TARGET_MB if people > FULL_PEOPLE else MEMORY_TARGET_MB
    return Result(
        database,
        "digest peak memory (VmHWM)",
        f"{figures['before_mb']:.0f} MB (process before)",
        f"{peak:.0f} MB peak (+{growth:.0f} MB)",
        None,
        f"peak < {target_mb} MB",
        peak < target_mb,
    )


def _maxrss_mb() -> float:
    """This process's peak resident memory.

    VmHWM, where Linux has it: ru_maxrss is carried over from the parent across fork and exec, so a
    probe started by a benchmark that had grown to 500 MB would report 500 MB before doing anything.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux and BSD: kilobytes


def _probe(url: str) -> None:
    """In a fresh process: connect, then compute the digest once; print RSS figures as JSON."""
    week = bench_week()
    settings = Settings(database_url=url, _env_file=None)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with sessions() as session:
        session.execute(text("SELECT 1"))
    before = _maxrss_mb()
    with sessions() as session:
        compute_digest(session, week, settings)
    peak = _maxrss_mb()
    print(json.dumps({"before_mb": before, "peak_mb": peak, "growth_mb": peak - before}))


if __name__ == "__main__":
    _probe(sys.argv[1])
