"""What every provider admin-API source hands the sync: one window's records, and what it could not attribute."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Protocol

from bot.ingest.records import CodeActivityRecord, SeatRecord, UsageRecord

# Retries inside the SDKs: 429/408/409/5xx and timeouts, exponential backoff, Retry-After honoured.
DEFAULT_MAX_RETRIES = 4
DEFAULT_TIMEOUT_S = 60.0

OnPage = Callable[[], None]


class MissingKey(ValueError):
    """The provider's admin key is not configured; the message names the setting."""


class ProviderError(Exception):
    """A provider request failed after the SDK's retries. Never carries the key."""


@dataclass
class Unattributable:
    """Usage no person can be named for (deleted accounts, service accounts, API-key actors): left out, counted."""

    rows: int = 0
    tokens: int = 0
    cost_usd: Decimal = Decimal(0)  # only what the provider reported
    reasons: Counter = field(default_factory=Counter)  # reason → rows

    def add(self, reason: str, tokens: int, cost_usd: Decimal | None = None) -> None:
        self.rows += 1
        self.tokens += tokens
        self.cost_usd += cost_usd or Decimal(0)
        self.reasons[reason] += 1

    def merge(self, other: Unattributable) -> None:
        self.rows += other.rows
        self.tokens += other.tokens
        self.cost_usd += other.cost_usd
        self.reasons.update(other.reasons)


@dataclass
class FetchedWindow:
    """Everything one provider reported for the days since…until (inclusive), fetched before anything is written."""

    since: date
    until: date
    usage: list[UsageRecord] = field(default_factory=list)
    activity: list[CodeActivityRecord] = field(default_factory=list)
    unattributable: Unattributable = field(default_factory=Unattributable)
    pages: int = 0
    seats: list[SeatRecord] | None = None  # the provider's seat holders now; None: the source reports no seats
    unmatched_logins: set[str] = field(default_factory=set)  # GitHub logins no person could be found for
    # Days the provider has no report for (yet): what is stored for them is left as it is, not removed.
    days_without_report: set[date] = field(default_factory=set)


class UsageSource(Protocol):
    """A provider's admin API, read one window at a time."""

    name: str  # the `buildboard usage sync` argument
    provider: str  # usage_daily.provider
    source: str  # usage_daily.source
    window_days: int  # days fetched and written together (one transaction each)

    def fetch(self, since: date, until: date, on_page: OnPage | None = None) -> FetchedWindow: ...

    def close(self) -> None: ...


def next_cursor(seen: set[str], cursor: str | None, where: str) -> str | None:
    """The next page cursor, refusing one already followed (a provider bug would otherwise loop forever)."""
    if not cursor:
        return None
    if cursor in seen:
        raise ProviderError(f"{where}: the provider returned the same page cursor twice")
    seen.add(cursor)
    return cursor


def email_of(raw: str | None) -> str | None:
    text = (raw or "").strip().lower()
    return text or None


def describe_failure(provider: str, exc: Exception, secret: str) -> str:
    """A one-line account of a failed request, with the key masked should the provider have echoed it."""
    status = getattr(exc, "status_code", None)
    body = getattr(exc, "body", None)
    detail = ""
    if isinstance(body, dict):
        error = body.get("error") if isinstance(body.get("error"), dict) else body
        detail = str(error.get("message") or "") if isinstance(error, dict) else ""
    if status is not None:
        text = f"{provider} answered HTTP {status}" + (f": {detail}" if detail else "")
    elif "timeout" in type(exc).__name__.lower():
        text = f"{provider} did not answer in time"
    else:
        text = f"could not reach {provider} ({type(exc).__name__})"
    if secret:
        text = text.replace(secret, "***")
    return text[:300]
