"""What every benchmark returns, and the table they are printed in."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Result:
    database: str
    benchmark: str
    baseline: str  # what the baseline measured, human-readable
    measured: str
    ratio: float | None  # measured / baseline; None when there is no baseline
    target: str
    passed: bool | None  # None: not run (see note)
    note: str = ""

    def row(self) -> list[str]:
        verdict = {True: "pass", False: "FAIL", None: "n/a"}[self.passed]
        ratio = f"{self.ratio:.2f}" if self.ratio is not None else "—"
        return [self.database, self.benchmark, self.baseline, self.measured, ratio, self.target, verdict]


# The default organisation (issue 20's 85,000 people); beyond it the million-person targets apply.
FULL_PEOPLE = 85_000
HEADER = ["database", "benchmark", "baseline", "measured", "ratio", "target", "result"]


def table(results: list[Result]) -> str:
    """A Markdown table (it goes into the README as printed)."""
    rows = [HEADER] + [r.row() for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = ["| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    notes = [f"- {r.database} · {r.benchmark}: {r.note}" for r in results if r.note]
    return "\n".join(lines + ([""] + notes if notes else []))


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def interleaved(baseline: Callable[[], object], measured: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median seconds of each, run alternately (after one warm-up each) so noise hits both alike."""
    baseline()
    measured()
    base_times, measured_times = [], []
    for _ in range(repeats):
        base_times.append(timed(baseline))
        measured_times.append(timed(measured))
    return statistics.median(base_times), statistics.median(measured_times)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]
