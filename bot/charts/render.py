"""The chart renderer: matplotlib's Agg canvas, no pyplot (no global figure state, safe on worker threads).

Sizes are for 2× (retina) screens: a 6-inch figure at 200 dpi is 1200 px wide, a chart of 600
points with text twice as sharp. Colours are the Okabe–Ito palette, told apart by people with any
common colour-vision deficiency; the verified part of work units is also hatched, so it never rests
on colour alone. Each chart's objects are freed as soon as it is drawn (_garbage_freed_at_once).
"""

from __future__ import annotations

import gc
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from bot.domain.chart import Chart, ChartKind, ChartWeek, format_units

DPI = 200  # 2× of the usual 100: a 6-inch figure is 1200 px wide, its text twice as sharp
SIZES_IN = {  # (width, height) in inches
    ChartKind.DIGEST: (6.0, 3.5),
    ChartKind.PERSONAL: (6.0, 3.0),
    ChartKind.TEAM: (6.0, 4.0),
}
MARGINS = {  # fractions of the figure: room for the title above, the legend below and the axis labels
    ChartKind.DIGEST: {"left": 0.11, "right": 0.9, "top": 0.9, "bottom": 0.2, "hspace": 0.12},
    ChartKind.PERSONAL: {"left": 0.1, "right": 0.9, "top": 0.88, "bottom": 0.22},
    ChartKind.TEAM: {"left": 0.1, "right": 0.9, "top": 0.91, "bottom": 0.17, "hspace": 0.12},
}
# Okabe & Ito (2008), "Color Universal Design".
BLUE = "#0072B2"
ORANGE = "#E69F00"
VERMILLION = "#D55E00"
GREEN = "#009E73"
SKY = "#56B4E9"
BLACK = "#000000"
HIGHLIGHT = "#EEEEEE"
INK = "#333333"

# matplotlib's settings, font cache and text-metric caches are shared by the process: one drawing at a time.
_DRAWING = threading.Lock()


def chart_size_px(kind: ChartKind) -> tuple[int, int]:
    """The PNG's width and height in pixels."""
    width, height = SIZES_IN[kind]
    return round(width * DPI), round(height * DPI)


def _dollars(value: float, _position: object = None) -> str:
    if abs(value) >= 10_000:
        return f"${value / 1000:,.0f}k"
    return f"${value:,.0f}" if abs(value) >= 10 or value == 0 else f"${value:,.2f}"


def _percent(value: float, _position: object = None) -> str:
    return f"{value * 100:.0f}%"


def _f(value: Decimal | int | None) -> float:
    return float(value or 0)


def _highlight(axes: Any, weeks: tuple[ChartWeek, ...]) -> None:
    for i, week in enumerate(weeks):
        if week.current:
            axes.axvspan(i - 0.5, i + 0.5, color=HIGHLIGHT, zorder=0)


def _x_labels(axes: Any, chart: Chart) -> None:
    weeks = chart.weeks
    axes.set_xticks(range(len(weeks)))
    axes.set_xticklabels([w.label + (f"\n{chart.current_note}" if w.current else "") for w in weeks])
    for tick, week in zip(axes.get_xticklabels(), weeks, strict=True):
        if week.current:
            tick.set_fontweight("bold")
    axes.set_xlim(-0.5, len(weeks) - 0.5)


def _spend_and_units(axes: Any, chart: Chart, legend: list[Any]) -> None:
    """Spend bars on a dollar axis (left), work-unit bars on their own axis (right), side by side."""
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    weeks = chart.weeks
    xs = list(range(len(weeks)))
    width = 0.38
    _highlight(axes, weeks)
    spend = [_f(w.spend_usd) for w in weeks]
    axes.bar([x - width / 2 for x in xs], spend, width, color=BLUE, zorder=2)
    axes.set_ylabel("Spend (USD)")
    axes.yaxis.set_major_formatter(FuncFormatter(_dollars))
    axes.set_ylim(0, max(spend + [1.0]) * 1.15)
    units_axes = axes.twinx()
    units = [_f(w.work_units) for w in weeks]
    verified = [_f(w.verified_work_units) for w in weeks]
    right = [x + width / 2 for x in xs]
    if chart.shows_verified:
        unverified = [u - v for u, v in zip(units, verified, strict=True)]
        units_axes.bar(right, verified, width, color=VERMILLION, hatch="///", edgecolor="white", zorder=2)
        units_axes.bar(right, unverified, width, bottom=verified, color=ORANGE, zorder=2)
    else:
        units_axes.bar(right, units, width, color=ORANGE, zorder=2)
    units_axes.set_ylabel("Work units")
    units_axes.set_ylim(0, max(units + [1.0]) * 1.15)
    units_axes.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    legend.append(Patch(color=BLUE, label="Spend (left axis)"))
    if chart.shows_verified:
        legend.append(Patch(facecolor=ORANGE, label="Work units (right axis)"))
        legend.append(Patch(facecolor=VERMILLION, hatch="///", edgecolor="white", label="…of which verified"))
    else:
        legend.append(Patch(color=ORANGE, label="Work units (right axis)"))
    for label, value in ((w, u) for w, u in zip(weeks, units, strict=True) if w.current):
        units_axes.annotate(
            format_units(label.work_units),
            (xs[weeks.index(label)] + width / 2, value),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=6,
            color=INK,
        )


def _cost_line(axes: Any, chart: Chart, legend: list[Any]) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter

    weeks = chart.weeks
    _highlight(axes, weeks)
    points = [(i, _f(w.cost_per_work_unit)) for i, w in enumerate(weeks) if w.cost_per_work_unit is not None]
    if points:
        axes.plot([x for x, _ in points], [y for _, y in points], color=GREEN, marker="o", markersize=3, zorder=3)
        axes.set_ylim(0, max(y for _, y in points) * 1.25 or 1)
    axes.set_ylabel("USD per\nwork unit")
    axes.yaxis.set_major_formatter(FuncFormatter(_dollars))
    legend.append(Line2D([], [], color=GREEN, marker="o", markersize=3, label="Cost per work unit"))


def _people_and_evidence(axes: Any, chart: Chart, legend: list[Any]) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    weeks = chart.weeks
    _highlight(axes, weeks)
    people = [w.active_people or 0 for w in weeks]
    axes.bar(range(len(weeks)), people, 0.5, color=SKY, zorder=2)
    axes.set_ylabel("Active people")
    axes.set_ylim(0, max(people + [1]) * 1.2)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
    ratio_axes = axes.twinx()
    points = [(i, _f(w.evidence_ratio)) for i, w in enumerate(weeks) if w.evidence_ratio is not None]
    if points:
        ratio_axes.plot([x for x, _ in points], [y for _, y in points], color=BLACK, marker="s", markersize=3)
    ratio_axes.set_ylim(0, 1.05)
    ratio_axes.yaxis.set_major_formatter(FuncFormatter(_percent))
    ratio_axes.set_ylabel("Evidence ratio")
    legend.append(Patch(color=SKY, label="Active people (left)"))
    legend.append(Line2D([], [], color=BLACK, marker="s", markersize=3, label="Evidence ratio (right)"))


STYLE = {
    "font.size": 7,
    "axes.titlesize": 9,
    "axes.labelsize": 7,
    "xtick.labelsize": 6.5,
    "ytick.labelsize": 6.5,
    "legend.fontsize": 6.5,
    "axes.edgecolor": INK,
    "text.color": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.spines.top": False,
    "text.parse_math": False,  # "$1,200" is dollars, never mathtext
}
_styled = False


def _style_once() -> None:
    """Set our style on matplotlib itself, once: only Buildboard's charts use it in this process, and an
    rc_context per chart deep-copies every setting (a tenth of the drawing time)."""
    global _styled
    if not _styled:
        import matplotlib

        matplotlib.rcParams.update(STYLE)
        _styled = True


def _draw(figure: Any, chart: Chart) -> None:
    figure.subplots_adjust(**MARGINS[chart.kind])
    figure.suptitle(chart.title, fontweight="bold")
    if not chart.weeks:
        axes = figure.add_subplot()
        axes.set_axis_off()
        axes.text(0.5, 0.5, "No data in these weeks", ha="center", va="center", fontsize=10)
        return
    legend: list[Any] = []
    if chart.shows_cost_per_work_unit or chart.shows_people:
        # Not sharex: a shared axis would build a second set of week ticks, a sixth of the drawing time.
        top, bottom = figure.subplots(2, 1, height_ratios=(2, 1))
        top.set_xticks([])
        top.set_xlim(-0.5, len(chart.weeks) - 0.5)
    else:
        top, bottom = figure.add_subplot(), None
    _spend_and_units(top, chart, legend)
    if bottom is not None and chart.shows_cost_per_work_unit:
        _cost_line(bottom, chart, legend)
    elif bottom is not None:
        _people_and_evidence(bottom, chart, legend)
    _x_labels(bottom if bottom is not None else top, chart)
    figure.legend(handles=legend, loc="lower center", ncols=min(len(legend), 3), frameon=False)


@contextmanager
def _garbage_freed_at_once() -> Iterator[None]:
    """Free a figure as soon as it is drawn, for a few milliseconds rather than a full collection.

    A figure's artists refer to each other (and to its 3-4 MB pixel buffer), so only the garbage
    collector frees them, and Python's full collection comes late: thirty charts in a row grew the
    process by 81 MB. A full collection scans every object of the bot (~100 ms). With automatic
    collection paused while the chart is drawn, everything the drawing made is still in the
    youngest generation, and collecting that generation alone frees the figure (~5 ms).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.collect(0)
        if was_enabled:
            gc.enable()


def render_png(chart: Chart) -> bytes:
    """Draw `chart` as a PNG of chart_size_px(chart.kind) pixels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    with _DRAWING, _garbage_freed_at_once():
        _style_once()
        # Drawn once at the final resolution; fixed margins (a layout engine would draw it twice).
        figure = Figure(figsize=SIZES_IN[chart.kind], dpi=DPI)
        canvas = FigureCanvasAgg(figure)
        _draw(figure, chart)
        canvas.draw()
        width, height = canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        out = io.BytesIO()
        # Lightly compressed: flat colours shrink well anyway, and zlib's default level costs more than the drawing.
        image.save(out, format="PNG", compress_level=1)
        del image, figure, canvas
    return out.getvalue()


class MatplotlibChartRenderer:
    """The ChartRenderer services are given (bot/services/ports.py)."""

    def render(self, chart: Chart) -> bytes:
        return render_png(chart)
