"""What a shared artifact is made of, and the checks its form must pass. Pure: no Slack, no SQL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

TITLE_MAX = 150
DESCRIPTION_MAX = 3000
URL_MAX = 2000
HOURS_MAX = Decimal("168")  # hours in a week: more than that is a typo

# key → label, in the order the modal offers them.
KINDS: dict[str, str] = {
    "tool": "Tool or app",
    "automation": "Automation or agent",
    "analysis": "Analysis or report",
    "document": "Document",
    "code_change": "Code change",
    "experiment": "Experiment or learning",
    "other": "Other",
}

# Why there is nothing to show yet (a legitimate answer, not a failure).
NOTHING_REASONS: dict[str, str] = {
    "exploring": "Exploring or learning",
    "did_not_work": "It didn't work out",
    "not_my_usage": "Not my usage",
    "other": "Other",
}
REASON_TEXT_MAX = 500


@dataclass(frozen=True)
class ShareFields:
    """A valid share form, normalised."""

    title: str
    url: str | None
    description: str
    kind: str
    hours_saved_per_week: Decimal | None
    share_in_channel: bool


@dataclass(frozen=True)
class Showcase:
    """An artifact posted in the digest channel because its author asked, as it reads when sent."""

    author_slack_user_id: str | None  # both None: the author may not be named ("A colleague")
    author_name: str | None
    title: str
    url: str | None
    description: str
    kind: str
    hours_saved_per_week: Decimal | None


def _clean(value: object) -> str:
    return str(value or "").strip()


def validate_share(form: Mapping[str, object]) -> dict[str, str]:
    """Problems with a share form as {field: message}; empty when it is valid.

    The field names are the modal's block ids, so the result is what `response_action: errors` wants.
    """
    errors: dict[str, str] = {}
    title = _clean(form.get("title"))
    if not title:
        errors["title"] = "Give it a title."
    elif len(title) > TITLE_MAX:
        errors["title"] = f"Keep the title to {TITLE_MAX} characters (it has {len(title)})."
    url = _clean(form.get("url"))
    if url:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in url:
            errors["url"] = "Use a web link starting with http:// or https:// (or leave it empty)."
        elif len(url) > URL_MAX:
            errors["url"] = f"Keep the link to {URL_MAX} characters."
    description = _clean(form.get("description"))
    if not description:
        errors["description"] = "Say what it does and for whom."
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = f"Keep it to {DESCRIPTION_MAX} characters (it has {len(description)})."
    kind = _clean(form.get("kind"))
    if kind not in KINDS:
        errors["kind"] = "Pick the kind of thing you built."
    hours = _clean(form.get("hours_saved"))
    if hours:
        try:
            value = Decimal(hours.replace(",", "."))
        except InvalidOperation:
            errors["hours_saved"] = "Write a number of hours, like 2 or 0.5."
        else:
            if not value.is_finite() or value < 0:
                errors["hours_saved"] = "Hours saved cannot be negative."
            elif value > HOURS_MAX:
                errors["hours_saved"] = f"A week has {HOURS_MAX} hours: write hours saved per week."
    return errors


def share_fields(form: Mapping[str, object]) -> ShareFields:
    """The normalised fields of a form that `validate_share` accepted (ValueError otherwise)."""
    errors = validate_share(form)
    if errors:
        raise ValueError("; ".join(f"{k}: {v}" for k, v in errors.items()))
    hours = _clean(form.get("hours_saved"))
    return ShareFields(
        title=_clean(form.get("title")),
        url=_clean(form.get("url")) or None,
        description=_clean(form.get("description")),
        kind=_clean(form.get("kind")),
        hours_saved_per_week=Decimal(hours.replace(",", ".")).quantize(Decimal("0.01")) if hours else None,
        share_in_channel=bool(form.get("share_in_channel")),
    )


def validate_nothing_to_show(form: Mapping[str, object]) -> dict[str, str]:
    """Problems with the "nothing to show yet" form as {field: message}."""
    errors: dict[str, str] = {}
    reason = _clean(form.get("reason"))
    text = _clean(form.get("reason_text"))
    if reason not in NOTHING_REASONS:
        errors["reason"] = "Pick the reason that fits best."
    elif reason == "other" and not text:
        errors["reason_text"] = "Tell us a little more."
    if len(text) > REASON_TEXT_MAX:
        errors["reason_text"] = f"Keep it to {REASON_TEXT_MAX} characters."
    return errors
