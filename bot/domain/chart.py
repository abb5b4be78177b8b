"""A small bar chart as PNG bytes, in pure Python (zlib only): weekly spend and artifacts.

No plotting library: the picture is a handful of rectangles and a 3×5 pixel font, which keeps
the bot light and headless.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.domain.money import format_tokens

WIDTH, HEIGHT = 720, 320
BACKGROUND = (255, 255, 255)
AXIS = (120, 120, 120)
INK = (40, 40, 40)
SPEND_COLOUR = (54, 110, 200)
ARTIFACT_COLOUR = (235, 130, 40)

# 3×5 glyphs, one string of 15 pixels per character (rows top to bottom).
_FONT = {
    "0": "111101101101111",
    "1": "010110010010111",
    "2": "111001111100111",
    "3": "111001111001111",
    "4": "101101111001001",
    "5": "111100111001111",
    "6": "111100111101111",
    "7": "111001001001001",
    "8": "111101111101111",
    "9": "111101111001111",
    "$": "011110010011110",
    ".": "000000000000010",
    "-": "000000111000000",
    " ": "000000000000000",
    "K": "101110100110101",
    "M": "101111111101101",
    "B": "110101110101110",
    "T": "111010010010010",
    "W": "101101111111101",
    "S": "011100010001110",
    "P": "110101110100100",
    "E": "111100110100111",
    "N": "110101101101101",
    "D": "110101101101110",
    "A": "010101111101101",
    "R": "110101110101101",
    "I": "111010010010111",
    "F": "111100110100100",
    "C": "011100100100011",
}


@dataclass(frozen=True)
class ChartWeek:
    label: str  # e.g. "W47"
    spend_usd: Decimal
    artifacts: int


class _Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(bytes(BACKGROUND) * (width * height))

    def rect(self, x: int, y: int, w: int, h: int, colour: tuple[int, int, int]) -> None:
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(self.width, x + w), min(self.height, y + h)
        if x1 <= x0 or y1 <= y0:
            return
        row = bytes(colour) * (x1 - x0)
        for yy in range(y0, y1):
            start = (yy * self.width + x0) * 3
            self.pixels[start : start + len(row)] = row

    def text(self, x: int, y: int, text: str, colour: tuple[int, int, int] = INK, scale: int = 2) -> None:
        for index, char in enumerate(text.upper()):
            glyph = _FONT.get(char, _FONT[" "])
            for bit, on in enumerate(glyph):
                if on == "1":
                    self.rect(x + index * 4 * scale + (bit % 3) * scale, y + (bit // 3) * scale, scale, scale, colour)

    def png(self) -> bytes:
        stride = self.width * 3
        raw = b"".join(b"\x00" + bytes(self.pixels[r * stride : (r + 1) * stride]) for r in range(self.height))

        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
        )


def text_width(text: str, scale: int = 2) -> int:
    return len(text) * 4 * scale


def _short_usd(amount: Decimal) -> str:
    whole = int(Decimal(amount).to_integral_value())
    return "$" + format_tokens(whole) if whole >= 1000 else f"${whole}"


def weekly_chart_png(weeks: Sequence[ChartWeek]) -> bytes:
    """Two bars per week (spend, artifacts), each scaled to its own maximum, labelled with its value."""
    canvas = _Canvas(WIDTH, HEIGHT)
    left, right, top, bottom = 20, WIDTH - 20, 40, HEIGHT - 30
    canvas.rect(left, 12, 12, 12, SPEND_COLOUR)
    canvas.text(left + 18, 13, "SPEND")
    canvas.rect(left + 90, 12, 12, 12, ARTIFACT_COLOUR)
    canvas.text(left + 108, 13, "ARTIFACTS")
    canvas.rect(left, bottom, right - left, 2, AXIS)
    if not weeks:
        return canvas.png()
    max_spend = max((w.spend_usd for w in weeks), default=Decimal(0)) or Decimal(1)
    max_artifacts = max((w.artifacts for w in weeks), default=0) or 1
    group = (right - left) // len(weeks)
    bar = max(4, group // 3)
    usable = bottom - top - 16  # room for the value label above the tallest bar
    for index, week in enumerate(weeks):
        x = left + index * group + (group - 2 * bar - 4) // 2
        spend_height = int(usable * week.spend_usd / max_spend)
        artifact_height = int(usable * week.artifacts / max_artifacts)
        canvas.rect(x, bottom - spend_height, bar, spend_height, SPEND_COLOUR)
        canvas.rect(x + bar + 4, bottom - artifact_height, bar, artifact_height, ARTIFACT_COLOUR)
        spend_label, artifact_label = _short_usd(week.spend_usd), str(week.artifacts)
        canvas.text(x + (bar - text_width(spend_label)) // 2, bottom - spend_height - 13, spend_label)
        canvas.text(
            x + bar + 4 + (bar - text_width(artifact_label)) // 2, bottom - artifact_height - 13, artifact_label
        )
        canvas.text(x + bar + 2 - text_width(week.label) // 2, bottom + 8, week.label)
    return canvas.png()
