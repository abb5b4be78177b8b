"""Claims are bounded: what a shared artifact may claim, and how much of it counts. Pure: no Slack, no SQL.

A week's output is something other people can check, not what its author says about it:

- at most `max_counted_artifacts` (3) artifacts per person and week count toward work units and
  rank, in the order they were shared (more may be shared: they are shown to their author);
- an artifact without a link (nothing anyone else can open) counts `unlinked_work_units` (0.5),
  whatever its hours saved or its AI estimate say; only an admin's override is above that;
- hours saved above `max_unlinked_hours` (8) a week need a link;
- the same link (normalised by `normalise_link`) counts once in the whole organisation;
- a description shorter than `min_description_chars` (30) says too little to count.

A person-week's counted work units are the sum of three terms (`person_week_work_units`, and the SQL
in bot/db/output.py): the capped shared artifacts, verified evidence and peer endorsements.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.domain.periods import IsoWeek


@dataclass(frozen=True)
class ClaimRules:
    """The bounds on claims (BUILDBOARD_MAX_COUNTED_ARTIFACTS and friends, see the README)."""

    max_counted_artifacts: int = 3
    unlinked_work_units: Decimal = Decimal("0.5")
    max_unlinked_hours: Decimal = Decimal("8")
    min_description_chars: int = 30


DEFAULT_CLAIM_RULES = ClaimRules()


def normalise_link(url: str) -> str:
    """The link as it is compared: scheme and host lower-cased, no fragment, no utm_* parameters, no trailing slash.

    `HTTPS://Example.com/Tool/?utm_source=slack#top` and `https://example.com/Tool` are the same link; the path and
    the other query parameters keep their case and order (they may matter to the site).
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    netloc = host
    if parts.port is not None and not (
        (parts.scheme.lower() == "https" and parts.port == 443) or (parts.scheme.lower() == "http" and parts.port == 80)
    ):
        netloc = f"{host}:{parts.port}"
    if parts.username or parts.password:
        netloc = f"{parts.username or ''}{':' + parts.password if parts.password else ''}@{netloc}"
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(k.lower().startswith("utm_") for k, _ in pairs):  # rebuilt only then, so other queries stay as typed
        query = urlencode([(k, v) for k, v in pairs if not k.lower().startswith("utm_")])
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme.lower(), netloc, path, query, ""))


def link_key(url: str | None) -> str | None:
    """What identifies a link across the organisation: the SHA-256 of its normalised form (None without a link)."""
    if not url or not url.strip():
        return None
    return hashlib.sha256(normalise_link(url).encode("utf-8")).hexdigest()


def claim_errors(
    *, url: str | None, description: str, hours_saved_per_week: Decimal | None, rules: ClaimRules
) -> dict[str, str]:
    """Problems with what an otherwise valid share form claims, as {block id: message} for the modal."""
    errors: dict[str, str] = {}
    if len(description.strip()) < rules.min_description_chars:
        errors["description"] = (
            f"Say a little more: at least {rules.min_description_chars} characters on what it does and for whom "
            f"(it has {len(description.strip())})."
        )
    if hours_saved_per_week is not None and hours_saved_per_week > rules.max_unlinked_hours and not url:
        errors["hours_saved"] = (
            f"More than {rules.max_unlinked_hours.normalize():f} hours a week needs a link others can open: "
            "add one above, or lower the hours."
        )
    return errors


def duplicate_link_message(week: IsoWeek) -> str:
    """The inline error for a link already shared (never by whom)."""
    return f"This link was already shared in {week.label()}: a link counts once. Share something else, or leave it out."


def evidence_cap(url: str | None, rules: ClaimRules) -> Decimal | None:
    """The most an artifact's own claims (hours saved, AI estimate) can make it worth: None when a link lets it be
    checked, `unlinked_work_units` when there is nothing anyone else can open."""
    return None if url else rules.unlinked_work_units


def is_counted(position: int, rules: ClaimRules) -> bool:
    """Does the artifact shared `position`-th (1-based, in sharing order) in its person-week count?"""
    return 1 <= position <= rules.max_counted_artifacts


def person_week_work_units(
    artifact_work_units: Iterable[Decimal],
    rules: ClaimRules,
    *,
    evidence_units: Decimal = Decimal(0),
    endorsement_units: Decimal = Decimal(0),
) -> Decimal:
    """A person-week's counted work units: its first counted artifacts (in sharing order) + evidence + endorsements.

    The reference for bot/db/output.person_output, which computes the same in SQL.
    """
    shared = sum(
        (Decimal(units) for position, units in enumerate(artifact_work_units, start=1) if is_counted(position, rules)),
        Decimal(0),
    )
    return shared + evidence_units + endorsement_units


def has_output(work_units: Decimal) -> bool:
    """May a person appear in public this week? Only with counted output (work units above 0)."""
    return work_units > 0
