"""Work units are written one way everywhere: the unit named, in the right number."""

from datetime import date
from decimal import Decimal

from bot.domain.reports import ArtifactView
from bot.slack.blocks.home import _artifact_blocks
from bot.slack.blocks.text import units, work_units_label


def test_one_work_unit_is_singular_and_trailing_zeros_go():
    assert [work_units_label(Decimal(v)) for v in ("1", "1.00", "0.5", "2.50", "0")] == [
        "1 work unit",
        "1 work unit",
        "0.5 work units",
        "2.5 work units",
        "0 work units",
    ]
    assert units(Decimal("6.00")) == "6"


def test_app_home_names_one_work_unit_in_the_singular():
    artifact = ArtifactView(
        7, date(2026, 11, 16), "Checker", None, "A checker for releases, for the team", "tool", None, False,
        Decimal("4.00"), Decimal("1.00"),
    )  # fmt: skip
    text = _artifact_blocks(artifact)[0]["text"]["text"]
    assert "1 work unit" in text and "work units" not in text
