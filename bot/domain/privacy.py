"""Who may be named in public posts: the one rule, as a predicate on a person's facts.

The same rule as SQL lives in bot/db/public.py (`named_in_public`); a test checks they agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class PublicFacts(Protocol):
    """The facts about a person that decide whether they may be named in public."""

    @property
    def in_org(self) -> bool: ...
    @property
    def active(self) -> bool: ...
    @property
    def public_opt_out(self) -> bool: ...
    @property
    def forgotten_at(self) -> datetime | None: ...
    @property
    def name(self) -> str | None: ...


def may_be_named_in_public(person: PublicFacts | None) -> bool:
    """In the people file, active in Slack, not opted out, not erased, and with a name to show."""
    return bool(
        person is not None
        and person.in_org
        and person.active
        and not person.public_opt_out
        and person.forgotten_at is None
        and person.name is not None
    )


def who_sees_your_numbers(spend_public: bool) -> str:
    """The sentence telling people who sees their numbers (nudge DM, App Home, `/buildboard me`, help, README)."""
    if spend_public:
        return (
            "Who sees your numbers: you, your managers up the line, admins — "
            "and, since spend is public, the digest channel."
        )
    return "Who sees your numbers: you, your managers up the line, admins."


# What a title may show beside its holder in public whatever BUILDBOARD_PUBLIC_FIGURES says: output.
OUTPUT_METRICS = frozenset({"work_units", "artifacts", "work_units_gain"})


def metric_may_be_public(metric: str, *, spend_public: bool) -> bool:
    """A title's figure in public: output always; tokens, days, spend and cost only when spend is public."""
    return spend_public or metric in OUTPUT_METRICS
