"""Drawing one chart: its time against the floor matplotlib cannot go below, and the memory it adds.

`python -m bench.charts` prints its own table (no database needed); `python -m bench --only charts`
adds the rows to the full run's.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from decimal import Decimal

from bench.core import Result, interleaved, seconds, table
from bench.digest import _maxrss_mb
from bot.domain.chart import Chart, ChartKind, WeekFigures, chart_weeks, digest_chart, personal_chart, team_chart
from bot.domain.periods import IsoWeek, weeks_ending

TIME_TARGET = 0.300  # seconds per chart
MEMORY_TARGET_MB = 60  # added by importing matplotlib and drawing
CHARTS_IN_A_ROW = 30
NO_DATABASE = "—"
WEEK = IsoWeek(2026, 47)


def sample_charts() -> dict[ChartKind, Chart]:
    """The three charts with every series drawn: 8 weeks (12 for the team), verified work units, a gap."""
    window = weeks_ending(WEEK, 12)
    figures = {
        week: WeekFigures(
            Decimal(48_000 + 3_100 * i),
            40 + i,
            Decimal(310 + 27 * i),
            Decimal(90 + 12 * i),
            3_900 + 60 * i,
            Decimal(30_000 + 2_500 * i),
        )
        for i, week in enumerate(window)
        if i != 6  # a week without data
    }
    return {
        ChartKind.DIGEST: digest_chart(chart_weeks(window[-8:], figures, current=WEEK), WEEK),
        ChartKind.PERSONAL: personal_chart(chart_weeks(window[-8:], figures, current=WEEK), WEEK),
        ChartKind.TEAM: team_chart(chart_weeks(window, figures, current=WEEK), "Platform", WEEK),
    }


def _blank_png(kind: ChartKind) -> bytes:
    """The floor: an empty figure of the same size through the same canvas and PNG encoder."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from bot.charts.render import DPI, SIZES_IN

    figure = Figure(figsize=SIZES_IN[kind], dpi=DPI)
    FigureCanvasAgg(figure)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})
    return out.getvalue()


def _cpu_interleaved(baseline, measured, repeats: int) -> tuple[float, float]:
    """Median CPU seconds of this process for each, run alternately after a warm-up of each."""
    baseline()
    measured()
    base_times, measured_times = [], []
    for _ in range(repeats):
        for fn, times in ((baseline, base_times), (measured, measured_times)):
            started = time.process_time()
            fn()
            times.append(time.process_time() - started)
    return statistics.median(base_times), statistics.median(measured_times)


def run(repeats: int = 7, log=print) -> list[Result]:
    """Each chart's median drawing time, beside a blank figure of the same size drawn in the same run.

    The target is on CPU time: on the shared benchmark machine other processes stretch wall time
    by whatever they happen to run, while a chart's latency on a free core is its CPU time. Wall
    time is shown beside it.
    """
    from bot.charts.render import chart_size_px, render_png

    results = []
    for kind, chart in sample_charts().items():
        log(f"  charts: {kind} chart, {repeats} alternating runs of each …")
        blank, drawn = (lambda kind=kind: _blank_png(kind)), (lambda chart=chart: render_png(chart))
        base, took = _cpu_interleaved(blank, drawn, repeats)
        _, wall = interleaved(blank, drawn, repeats)
        width, height = chart_size_px(kind)
        results.append(
            Result(
                NO_DATABASE,
                f"{kind} chart ({width}×{height} px, {len(chart.weeks)} weeks)",
                f"{seconds(base)} CPU (blank figure, same size, to PNG)",
                f"{seconds(took)} CPU, {seconds(wall)} wall (render_png)",
                took / base,
                f"< {TIME_TARGET * 1000:.0f} ms CPU",
                took < TIME_TARGET,
                f"median of {repeats}",
            )
        )
    return results


def memory(charts_in_a_row: int = CHARTS_IN_A_ROW) -> list[Result]:
    """Peak RSS a fresh process adds by importing matplotlib and drawing one chart, then many (VmHWM)."""
    answer = subprocess.run(
        [sys.executable, "-m", "bench.charts", "--probe", str(charts_in_a_row)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if answer.returncode != 0:
        raise RuntimeError(f"chart memory probe failed: {answer.stderr[-2000:]}")
    figures = json.loads(answer.stdout.strip().splitlines()[-1])
    before = figures["before_mb"]
    results = []
    for label, peak, note in (
        ("one chart", figures["one_mb"], f"matplotlib's import included; it took {seconds(figures['first_s'])} wall"),
        (f"{charts_in_a_row} charts in a row", figures["many_mb"], "the three kinds in turn"),
    ):
        results.append(
            Result(
                NO_DATABASE,
                f"charts: memory added, {label} (VmHWM)",
                f"{before:.0f} MB (the bot's modules loaded, no chart yet)",
                f"{peak:.0f} MB peak (+{peak - before:.0f} MB)",
                peak / before,
                f"+ < {MEMORY_TARGET_MB} MB",
                peak - before < MEMORY_TARGET_MB,
                note,
            )
        )
    return results


def _probe(charts_in_a_row: int) -> None:
    """In a fresh process: load what the bot loads, draw one chart, then many; print the peaks as JSON."""
    import bot.cli  # noqa: F401  (what every process holds before it draws anything)
    import bot.runtime  # noqa: F401
    import bot.slack.app  # noqa: F401

    charts = list(sample_charts().values())
    assert "matplotlib" not in sys.modules, "matplotlib must not be imported before the first chart"
    before = _maxrss_mb()
    from bot.charts.render import render_png

    started = time.perf_counter()
    render_png(charts[0])
    first = time.perf_counter() - started
    one = _maxrss_mb()
    for i in range(charts_in_a_row):
        render_png(charts[i % len(charts)])
    print(json.dumps({"before_mb": before, "one_mb": one, "many_mb": _maxrss_mb(), "first_s": first}))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--probe"]:
        _probe(int(sys.argv[2]))
    else:
        print(table([*run(log=lambda text: print(text, file=sys.stderr)), *memory()]))
