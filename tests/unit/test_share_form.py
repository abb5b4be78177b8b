"""The share form's checks (what the modal answers with `response_action: errors`)."""

from decimal import Decimal

import pytest

from bot.domain.artifacts import KINDS, share_fields, validate_nothing_to_show, validate_share

VALID = {
    "title": "Invoice matcher",
    "url": "https://x.example.com/a",
    "description": "Matches invoices",
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
