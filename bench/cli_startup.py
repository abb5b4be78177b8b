"""How quickly `buildboard` starts: every command's `--help`, a few commands' whole run on an empty database,
and `serve` until it answers /healthz — each beside baselines measured in the same run, alternately with it.

    .venv/bin/python -m bench.cli_startup [--repeats 5] [--only help|run|serve ...]

Targets (issues 16 and 20): `--help` of every command under 0.5 s, a command's start under 0.4 s, `serve`
ready under 2 s. They are wall-clock limits an operator feels, so the verdict is on the measured seconds.
The baselines say how much of it is Buildboard's: `--help` is beside a bare `python -c pass` (what any
Python command costs on this machine, now); a command that reads the database beside the floor, a process
that only imports SQLAlchemy's ORM and pydantic-settings and ends as `buildboard` does (what any such
command costs before it does anything), with `+N ms` the part above it; `serve` beside the import of the
libraries it serves with. The CPU seconds are shown beside the wall time: on a shared, busy machine the
wall time grows with the load, the CPU time much less.

Every process runs with its bytecode cached (in a temporary PYTHONPYCACHEPREFIX, written by the warm-up
run), as an installed Buildboard has it: with PYTHONDONTWRITEBYTECODE set (as some shells and CI set it), each run
would compile Buildboard's modules again, which no operator pays.
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.core import Result, seconds, table
from bot.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[1]
HELP_TARGET = 0.5
RUN_TARGET = 0.4
SERVE_TARGET = 2.0
# Commands that finish at once on an empty database, with no Slack and no LLM: their time is their start-up.
RUNS = (
    ("export", "people"),
    ("export", "usage", "--format", "json"),
    ("outbox", "status"),
    ("digest", "--dry-run"),
    ("nudge", "--dry-run"),
    ("retention", "--dry-run"),
    ("estimate",),
    ("prices", "check"),
)


def buildboard() -> list[str]:
    """The installed console script (what an operator runs), else the module; this checkout either way."""
    script = Path(sys.executable).with_name("buildboard")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


# What any command that reads the database imports before it does anything, and what `serve` adds to it;
# frozen before the process ends, as `buildboard` does (bot/cli.py: the exit then skips a garbage collection
# over every object, ~90 ms that no command pays any more).
LIBRARIES = "sqlalchemy.orm, pydantic_settings"
FLOOR = f"import gc, {LIBRARIES}; gc.freeze()"
SERVE_FLOOR = f"import gc, {LIBRARIES}, slack_bolt, apscheduler.schedulers.background, waitress; gc.freeze()"


def environment(database: Path, pycache: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "BUILDBOARD_", "DATABASE_URL", "PORT", "PYTHONDONTWRITEBYTECODE"))
    }
    env.update(
        PYTHONPATH=str(ROOT),
        PYTHONPYCACHEPREFIX=str(pycache),
        DATABASE_URL=f"sqlite:///{database}",
        BUILDBOARD_LLM_ENABLED="false",
        SLACK_API_URL="http://127.0.0.1:9/api/",
    )
    return env


def runner(args: list[str], env: dict[str, str], cwd: Path):
    """A function that runs `args` once and returns its (wall, CPU) seconds."""

    def run() -> tuple[float, float]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(args, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    return run


Timing = tuple[float, float]  # (wall, CPU) seconds


def compare_many(runners: list, repeats: int) -> list[Timing]:
    """Medians of (wall, CPU) of each runner, run in turn after a warm-up each, so noise hits all alike."""
    for run in runners:
        run()
    runs: list[list[Timing]] = [[] for _ in runners]
    for _ in range(repeats):
        for run, measured in zip(runners, runs, strict=True):
            measured.append(run())
    return [(statistics.median(r[0] for r in m), statistics.median(r[1] for r in m)) for m in runs]


def compare(baseline, measured, repeats: int) -> tuple[Timing, Timing]:
    base, mine = compare_many([baseline, measured], repeats)
    return base, mine


def _timing(t: Timing) -> str:
    return f"{seconds(t[0])} (cpu {seconds(t[1])})"


def _result(name: str, base: Timing, measured: Timing, target: float, *, baseline: str = "python -c pass") -> Result:
    return Result(
        database="sqlite",
        benchmark=name,
        baseline=f"{baseline} {_timing(base)}",
        measured=_timing(measured),
        ratio=measured[0] / base[0],
        target=f"< {target} s",
        passed=measured[0] < target,
    )


def _above_floor(name: str, floor: Timing, measured: Timing) -> Result:
    """A command's start-up beside the floor: the ratio to it, and how many ms above it."""
    result = _result(name, floor, measured, RUN_TARGET, baseline="floor")
    result.measured += f", floor +{(measured[0] - floor[0]) * 1000:.0f} ms"
    return result


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_ready(env: dict[str, str], cwd: Path) -> float:
    """Seconds from starting `buildboard serve` to its first 200 from /healthz (scheduler on, as in production)."""
    port = _free_port()
    env = dict(env, SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET="bench-secret")
    started = time.perf_counter()
    process = subprocess.Popen(
        [*buildboard(), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - started < 60:
            if process.poll() is not None:
                raise RuntimeError("buildboard serve exited before it answered")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            except OSError:
                time.sleep(0.01)
        raise RuntimeError("buildboard serve did not answer /healthz within 60 s")
    finally:
        process.terminate()
        process.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cli_startup", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", nargs="+", choices=("help", "run", "serve"), default=["help", "run", "serve"])
    args = parser.parse_args(argv)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="bb-startup-") as tmp:
        cwd = Path(tmp)
        env = environment(cwd / "buildboard.db", cwd / "pycache")
        bare = runner([sys.executable, "-c", "pass"], env, cwd)
        subprocess.run([*buildboard(), "db", "upgrade"], env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
        if "help" in args.only:
            helps = [("--help",), ("--version",)] + [(*c.words, "--help") for c in COMMANDS]
            for words in helps:
                base, measured = compare(bare, runner([*buildboard(), *words], env, cwd), args.repeats)
                results.append(_result(f"buildboard {' '.join(words)}", base, measured, HELP_TARGET))
        if "run" in args.only:
            floor = runner([sys.executable, "-c", FLOOR], env, cwd)
            for words in RUNS:
                command = runner([*buildboard(), *words], env, cwd)
                base, below, measured = compare_many([bare, floor, command], args.repeats)
                if words == RUNS[0]:
                    # The floor itself, beside the bare interpreter: no command that reads the database is below it.
                    results.append(_result(f"floor: import {LIBRARIES}", base, below, RUN_TARGET))
                    results[-1].passed = None
                    results[-1].note = f"`{FLOOR}`: the libraries alone, before any Buildboard code"
                results.append(_above_floor(f"buildboard {' '.join(words)} (empty db)", below, measured))
        if "serve" in args.only:
            libraries = runner([sys.executable, "-c", SERVE_FLOOR], env, cwd)
            bases, floors, readies = [], [], []
            for _ in range(max(3, args.repeats)):  # three at least: one slow start moves a median of two
                bases.append(bare()[0])
                floors.append(libraries()[0])
                readies.append(serve_ready(env, cwd))
            base_wall, floor_wall = statistics.median(bases), statistics.median(floors)
            ready = statistics.median(readies)
            results.append(
                Result(
                    database="sqlite",
                    benchmark="buildboard serve → first /healthz 200",
                    baseline=f"libraries {seconds(floor_wall)}; python -c pass {seconds(base_wall)}",
                    measured=f"{seconds(ready)}, libraries +{(ready - floor_wall) * 1000:.0f} ms",
                    ratio=ready / floor_wall,
                    target=f"< {SERVE_TARGET} s",
                    passed=ready < SERVE_TARGET,
                    note=f"libraries: a process that only runs `{SERVE_FLOOR}` (wall time, median)",
                )
            )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"buildboard start-up, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs (load {load:.1f} at the end), "
        f"median of {args.repeats}"
    )
    print()
    print(table(results))
    return 0 if all(r.passed is not False for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
