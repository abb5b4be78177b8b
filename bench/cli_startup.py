"""How quickly `buildboard` starts: every command's `--help`, a few commands' whole run on an empty database,
and `serve` until it answers /healthz — each beside a bare `python -c pass` measured in the same run.

    .venv/bin/python -m bench.cli_startup [--repeats 5] [--only help|run|serve ...]

Targets (issues 16 and 20): `--help` of every command under 0.5 s, a command's start under 0.4 s, `serve`
ready under 2 s. They are wall-clock limits an operator feels, so the verdict is on the measured seconds;
the ratio to the bare interpreter (what any Python command costs on this machine, now) says how much of
it is Buildboard's. The CPU seconds the command used are shown beside its wall time: on a shared, busy
machine the wall time grows with the load, the CPU time much less.
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
)


def buildboard() -> list[str]:
    """The installed console script (what an operator runs), else the module; this checkout either way."""
    script = Path(sys.executable).with_name("buildboard")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def environment(database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BUILDBOARD_", "DATABASE_URL", "PORT"))}
    env.update(
        PYTHONPATH=str(ROOT),
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


def compare(baseline, measured, repeats: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """Medians of (wall, CPU) of each, run alternately after a warm-up each, so noise hits both alike."""
    baseline()
    measured()
    base, mine = [], []
    for _ in range(repeats):
        base.append(baseline())
        mine.append(measured())

    def medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
        return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)

    return medians(base), medians(mine)


def _result(name: str, base: tuple[float, float], measured: tuple[float, float], target: float) -> Result:
    return Result(
        database="sqlite",
        benchmark=name,
        baseline=f"python -c pass {seconds(base[0])} (cpu {seconds(base[1])})",
        measured=f"{seconds(measured[0])} (cpu {seconds(measured[1])})",
        ratio=measured[0] / base[0],
        target=f"< {target} s",
        passed=measured[0] < target,
    )


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
        env = environment(cwd / "buildboard.db")
        bare = runner([sys.executable, "-c", "pass"], env, cwd)
        subprocess.run([*buildboard(), "db", "upgrade"], env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
        if "help" in args.only:
            helps = [("--help",), ("--version",)] + [(*c.words, "--help") for c in COMMANDS]
            for words in helps:
                base, measured = compare(bare, runner([*buildboard(), *words], env, cwd), args.repeats)
                results.append(_result(f"buildboard {' '.join(words)}", base, measured, HELP_TARGET))
        if "run" in args.only:
            # The floor of any command that reads the database: the libraries alone, no Buildboard code.
            floor = [sys.executable, "-c", "import sqlalchemy.orm, pydantic_settings"]
            base, measured = compare(bare, runner(floor, env, cwd), args.repeats)
            results.append(_result("import sqlalchemy.orm, pydantic_settings (floor)", base, measured, RUN_TARGET))
            results[-1].passed = None
            results[-1].note = "what SQLAlchemy's ORM and pydantic-settings cost alone: no database command is below it"
            for words in RUNS:
                base, measured = compare(bare, runner([*buildboard(), *words], env, cwd), args.repeats)
                results.append(_result(f"buildboard {' '.join(words)} (empty db)", base, measured, RUN_TARGET))
        if "serve" in args.only:
            bases, readies = [], []
            for _ in range(max(1, args.repeats // 2)):
                bases.append(bare()[0])
                readies.append(serve_ready(env, cwd))
            base_wall, ready = statistics.median(bases), statistics.median(readies)
            results.append(
                Result(
                    database="sqlite",
                    benchmark="buildboard serve → first /healthz 200",
                    baseline=f"python -c pass {seconds(base_wall)}",
                    measured=seconds(ready),
                    ratio=ready / base_wall,
                    target=f"< {SERVE_TARGET} s",
                    passed=ready < SERVE_TARGET,
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
