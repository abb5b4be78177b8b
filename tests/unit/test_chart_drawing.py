"""Each chart renders as a PNG of the promised size; importing the CLI does not import matplotlib."""

import struct
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from bot.charts.render import chart_size_px, render_png
from bot.domain.chart import ChartKind, WeekFigures, chart_weeks, digest_chart, personal_chart, team_chart
from bot.domain.periods import IsoWeek, weeks_ending

D = Decimal
W47 = IsoWeek.parse("2026-W47")
ROOT = Path(__file__).resolve().parents[2]


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", png[8:16])
    assert kind == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def charts():
    window = weeks_ending(W47, 12)
    figures = {
        w: WeekFigures(D(100 + 40 * i), i % 3, D(i), D(i // 2), 3 + i % 4, D(30 * i)) for i, w in enumerate(window)
    }
    del figures[window[9]]  # a week without data
    return {
        ChartKind.DIGEST: digest_chart(chart_weeks(window[-8:], figures, current=W47), W47),
        ChartKind.PERSONAL: personal_chart(chart_weeks(window[-8:], figures, current=W47), W47),
        ChartKind.TEAM: team_chart(chart_weeks(window, figures, current=W47), "Team Core", W47),
    }


@pytest.mark.parametrize("kind", list(ChartKind))
def test_each_chart_is_a_png_of_at_least_1200_by_600(kind):
    png = render_png(charts()[kind])
    assert png_size(png) == chart_size_px(kind)
    width, height = chart_size_px(kind)
    assert width >= 1200 and height >= 600


def test_a_chart_without_weeks_still_renders():
    assert png_size(render_png(personal_chart([], W47))) == chart_size_px(ChartKind.PERSONAL)


def test_importing_the_cli_does_not_import_matplotlib():
    code = "import sys, bot.cli, bot.runtime, bot.slack.app; print('matplotlib' in sys.modules)"
    answer = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT)},
        check=True,
    )
    assert answer.stdout.strip() == "False"


def _pixels_of(png: bytes, colour: str) -> int:
    """How many pixels of the PNG have exactly `colour` (the bars are filled with it)."""
    import io

    import numpy
    from matplotlib import image

    pixels = (image.imread(io.BytesIO(png), format="png")[:, :, :3] * 255).round().astype(int)
    wanted = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return int(numpy.all(pixels == wanted, axis=-1).sum())


def test_the_digest_chart_draws_its_spend_and_work_unit_bars():
    from bot.charts.render import BLUE, ORANGE, VERMILLION

    drawn = render_png(charts()[ChartKind.DIGEST])
    # Seven weeks of data: each series is a visible area of its own colour, not a blank or an axis alone.
    for colour in (BLUE, ORANGE, VERMILLION):
        assert _pixels_of(drawn, colour) > 2_000, colour
    empty = render_png(digest_chart([], W47))
    assert _pixels_of(empty, BLUE) == _pixels_of(empty, ORANGE) == 0
