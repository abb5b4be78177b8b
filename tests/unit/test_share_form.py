"""The share form's checks (what the modal answers with `response_action: errors`)."""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.domain.artifacts import (
    KINDS,
    ShareTarget,
    ShareTargetRefused,
    share_fields,
    share_target,
    validate_nothing_to_show,
    validate_share,
)
from bot.domain.periods import IsoWeek

VALID = {
    "title": "Invoice matcher",
    "url": "https://x.example.com/a",
    "description": "Matches invoices to purchase orders for the finance team",
    "kind": "tool",
}


def test_a_valid_form_has_no_errors_and_is_normalised():
    assert validate_share(VALID) == {}
    fields = share_fields({**VALID, "title": "  Invoice matcher ", "hours_saved": "2,5", "share_in_channel": True})
    assert fields.title == "Invoice matcher"
    assert fields.hours_saved_per_week == Decimal("2.50")
    assert fields.share_in_channel is True
    assert share_fields({**VALID, "url": ""}).url is None


@pytest.mark.parametrize(
    "change, field",
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 151}, "title"),
        ({"url": "ftp://example.com/x"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "https://"}, "url"),
        ({"url": "example.com"}, "url"),
        ({"description": ""}, "description"),
        ({"kind": "spaceship"}, "kind"),
        ({"kind": None}, "kind"),
        ({"hours_saved": "-1"}, "hours_saved"),
        ({"hours_saved": "lots"}, "hours_saved"),
        ({"hours_saved": "NaN"}, "hours_saved"),
        ({"hours_saved": "200"}, "hours_saved"),
    ],
)
def test_each_bad_field_is_reported_on_its_block(change, field):
    errors = validate_share({**VALID, **change})
    assert list(errors) == [field]
    assert errors[field]


def test_boundaries_are_accepted():
    assert validate_share({**VALID, "title": "x" * 150, "hours_saved": "0", "url": "http://a.example"}) == {}
    assert set(KINDS) == {"tool", "automation", "analysis", "document", "code_change", "experiment", "other"}


def test_share_fields_refuses_an_invalid_form():
    with pytest.raises(ValueError, match="title"):
        share_fields({**VALID, "title": ""})


def test_nothing_to_show_needs_a_reason_and_text_for_other():
    assert validate_nothing_to_show({"reason": "exploring"}) == {}
    assert list(validate_nothing_to_show({"reason": None})) == ["reason"]
    assert list(validate_nothing_to_show({"reason": "other", "reason_text": " "})) == ["reason_text"]
    assert validate_nothing_to_show({"reason": "other", "reason_text": "on leave"}) == {}
    assert list(validate_nothing_to_show({"reason": "exploring", "reason_text": "x" * 501})) == ["reason_text"]


# The share modal's private_metadata: whatever a client submits, a share is stored only for this week or last.
WED = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # W48


@pytest.mark.parametrize(
    "metadata, week, artifact_id",
    [
        ({"week": "2026-W48"}, IsoWeek(2026, 48), None),
        ({"week": "2026-W47"}, IsoWeek(2026, 47), None),
        ({"week": "2026-W47", "artifact_id": 7}, IsoWeek(2026, 47), 7),
        ({"week": "2026-W47", "artifact_id": "7"}, IsoWeek(2026, 47), 7),
        ({"week": "2025-W10", "artifact_id": 7}, IsoWeek(2025, 10), 7),  # an edit keeps its artifact's week
    ],
)
def test_share_target_reads_the_modals_week_and_artifact(metadata, week, artifact_id):
    assert share_target(metadata, WED, ZoneInfo("UTC")) == ShareTarget(week=week, artifact_id=artifact_id)


@pytest.mark.parametrize(
    "metadata",
    [
        {"week": "2026-W48", "artifact_id": "abc"},
        {"week": "2026-W48", "artifact_id": "7; drop"},
        {"week": "2026-W48", "artifact_id": "-7"},
        {"week": "2026-W48", "artifact_id": "0"},
        {"week": "2026-W48", "artifact_id": "٧"},  # a digit, but not an ASCII one
        {"week": "2026-W48", "artifact_id": 1.5},
        {"week": "2026-W48", "artifact_id": True},
        {"week": "2026-W48", "artifact_id": 2**31},  # more than the id column holds
        {"week": "2026-W48", "artifact_id": [7]},
        {},
        {"week": None},
        {"week": 202648},
        {"week": "digest"},
        {"week": "2026-W99"},
        ["2026-W48"],
        "2026-W48",
        None,
    ],
)
def test_share_target_refuses_metadata_it_cannot_read(metadata):
    with pytest.raises(ShareTargetRefused, match="could not be read"):
        share_target(metadata, WED, ZoneInfo("UTC"))


@pytest.mark.parametrize("week", ["2026-W46", "2026-W49", "2027-W48", "2015-W01"])
def test_a_new_share_is_only_for_this_week_or_last(week):
    with pytest.raises(ShareTargetRefused, match="only this week or last week"):
        share_target({"week": week}, WED, ZoneInfo("UTC"))


def test_this_week_and_last_are_counted_in_the_organisations_zone():
    # Monday 30 Nov 00:30 in Berlin is still Sunday 29 Nov (W48) in UTC.
    monday_in_berlin = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert share_target({"week": "2026-W47"}, monday_in_berlin, ZoneInfo("UTC")).week == IsoWeek(2026, 47)
    with pytest.raises(ShareTargetRefused):
        share_target({"week": "2026-W47"}, monday_in_berlin, ZoneInfo("Europe/Berlin"))
    assert share_target({"week": "2026-W49"}, monday_in_berlin, ZoneInfo("Europe/Berlin")).week == IsoWeek(2026, 49)
