"""Every CSV Buildboard writes is formula-safe: people's text never runs in a spreadsheet; numbers stay numbers."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest

from bot.domain.text import spreadsheet_text
from bot.services.exports import write_rows

EVIL = '=HYPERLINK("https://evil.example","x")'


@pytest.mark.parametrize(
    "text, cell",
    [
        (EVIL, "'" + EVIL),
        ("+1+1", "'+1+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Carol Chen", "Carol Chen"),
        ("a=b", "a=b"),  # only the first character makes a formula
        (" =1", " =1"),
        ("", ""),
    ],
)
def test_text_that_starts_like_a_formula_is_prefixed(text, cell):
    assert spreadsheet_text(text) == cell


def test_csv_neutralises_text_and_keeps_buildboards_numbers():
    row = (EVIL, "-1+1", Decimal("-1.50"), -3, Decimal("12.340000"), date(2026, 11, 16), None, "@here")
    out = io.StringIO()
    assert write_rows(out, ["a", "b", "c", "d", "e", "f", "g", "h"], [row], "csv") == 1
    [header, cells] = list(csv.reader(io.StringIO(out.getvalue())))
    assert header == ["a", "b", "c", "d", "e", "f", "g", "h"]
    assert cells == ["'" + EVIL, "'-1+1", "-1.50", "-3", "12.340000", "2026-11-16", "", "'@here"]


def test_json_keeps_the_text_as_stored():
    out = io.StringIO()
    write_rows(out, ["title", "spend"], [(EVIL, Decimal("-1.5"))], "json")
    assert json.loads(out.getvalue()) == [{"title": EVIL, "spend": "-1.5"}]
