"""What a shared artifact is made of, and the checks its form must pass. Pure: no Slack, no SQL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.domain.claims import DEFAULT_CLAIM_RULES, ClaimRules, claim_errors
from bot.domain.periods import IsoWeek

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
ARTIFACT_ID_MAX = 2**31 - 1  # the id column is a 32-bit integer: a larger number is no artifact of ours

FORM_UNREADABLE = "This form could not be read. Close it and open Share again from Buildboard."


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
    artifact_id: int = 0
    endorsements: int = 0  # distinct colleagues who use it


def _clean(value: object) -> str:
    return str(value or "").strip()


def validate_share(form: Mapping[str, object], rules: ClaimRules = DEFAULT_CLAIM_RULES) -> dict[str, str]:
    """Problems with a share form as {field: message}; empty when it is valid.

    The field names are the modal's block ids, so the result is what `response_action: errors` wants.
    Besides the form's own checks, the bounds on claims (bot/domain/claims.py): a description long
    enough to say something, and a link for more than `rules.max_unlinked_hours` hours saved a week.
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
    if not errors.get("url") and not errors.get("hours_saved"):
        hours_value = Decimal(hours.replace(",", ".")) if hours else None
        for key, message in claim_errors(
            url=url or None, description=description, hours_saved_per_week=hours_value, rules=rules
        ).items():
            errors.setdefault(key, message)
    return errors


def share_fields(form: Mapping[str, object], rules: ClaimRules = DEFAULT_CLAIM_RULES) -> ShareFields:
    """The normalised fields of a form that `validate_share` accepted (ValueError otherwise)."""
    errors = validate_share(form, rules)
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


class ShareTargetRefused(ValueError):
    """The modal's private_metadata names no week (or artifact) a share may be stored for; str() says why."""


@dataclass(frozen=True)
class ShareTarget:
    """What a submitted share modal is for: the week of a new artifact, or the artifact being edited."""

    week: IsoWeek
    artifact_id: int | None  # None: a new artifact for `week`


def _artifact_id(value: object) -> int | None:
    if value is None:
        return None
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= ARTIFACT_ID_MAX:
        raise ShareTargetRefused(FORM_UNREADABLE)
    return int(text)


def share_target(metadata: object, now: datetime, zone: ZoneInfo) -> ShareTarget:
    """Read the share modal's private_metadata ({"week": "2026-W47", "artifact_id": 7}); ShareTargetRefused if unfit.

    Slack returns private_metadata as the bot wrote it, but a client can submit anything: the artifact id must
    be a number, and a new artifact may only be shared for this week or last week (in the organisation's zone).
    An edit keeps the artifact's stored week, so its modal may carry an older one.
    """
    if not isinstance(metadata, Mapping):
        raise ShareTargetRefused(FORM_UNREADABLE)
    artifact_id = _artifact_id(metadata.get("artifact_id"))
    week_text = metadata.get("week")
    try:
        week = IsoWeek.parse(week_text) if isinstance(week_text, str) else None
    except ValueError:
        week = None
    if week is None:
        raise ShareTargetRefused(FORM_UNREADABLE)
    current = IsoWeek.current(now, zone)
    if artifact_id is None and week not in (current, current.previous()):
        raise ShareTargetRefused(
            f"This form is for {week.label()}: only this week or last week can be shared now. "
            "Close it and open Share again from Buildboard."
        )
    return ShareTarget(week=week, artifact_id=artifact_id)
