"""Anthropic per-user usage and cost (organisation analytics), per user and model per UTC day, via the anthropic SDK.

Tokens come from the user usage report, dollars from the user cost report (cents as decimal strings,
converted exactly). The reports cover every product — chat, Claude Code, Cowork… — so, for a day this
sync has covered, it is the one source of Anthropic spend (see bot/services/sync.py). Rows whose actor
has no email (deleted accounts, service accounts) cannot be attributed: counted, not stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import anthropic

from bot.domain.money import cents_to_usd
from bot.ingest.provider_api import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT_S,
    FetchedWindow,
    MissingKey,
    OnPage,
    ProviderError,
    describe_failure,
    email_of,
    next_cursor,
)
from bot.ingest.records import UsageRecord
from bot.settings import Settings

PAGE_ROWS = 1000  # the reports' maximum
MAX_WINDOW_DAYS = 31  # the reports' longest range
NO_MODEL = "unspecified"  # cost not tied to a model (e.g. code execution)


def make_client(settings: Settings, *, max_retries: int = DEFAULT_MAX_RETRIES) -> anthropic.Anthropic:
    if settings.anthropic_admin_key is None:
        raise MissingKey(
            "ANTHROPIC_ADMIN_KEY is not set: create an admin key (sk-ant-admin…) at console.anthropic.com → "
            "Settings → Admin keys"
        )
    key = settings.anthropic_admin_key.get_secret_value()
    return anthropic.Anthropic(
        api_key=key,
        # The Admin API's documented header; header defaults are never logged by the SDK.
        default_headers={"x-api-key": key},
        base_url=settings.anthropic_base_url or None,
        max_retries=max_retries,
        timeout=DEFAULT_TIMEOUT_S,
    )


def rfc3339(day: date) -> str:
    return datetime.combine(day, time(0), tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class _Row:
    day: date
    email: str | None
    reason: str
    model: str
    uncached: int = 0
    cache_read: int = 0
    cache_write: int = 0
    output: int = 0
    requests: int = 0
    cost_usd: Decimal | None = None

    @property
    def tokens(self) -> int:
        return self.uncached + self.cache_read + self.cache_write + self.output


def _actor(actor) -> tuple[str, str | None, str]:
    """(join key, email, why it cannot be attributed when email is None)."""
    email = email_of(getattr(actor, "email_address", None))
    reason = "deleted account" if getattr(actor, "deleted", False) else "service account"
    return getattr(actor, "user_id", None) or "?", email, reason


def _day(item, fallback: date) -> date:
    start = getattr(item, "starting_at", None)
    return start.astimezone(UTC).date() if start is not None else fallback


class AnthropicUsage:
    """`buildboard usage sync anthropic`."""

    name = "anthropic"
    provider = "anthropic"
    source = "anthropic"
    window_days = 7

    def __init__(self, client: anthropic.Anthropic, secret: str) -> None:
        self._client = client
        self._secret = secret

    @classmethod
    def from_settings(cls, settings: Settings, *, max_retries: int = DEFAULT_MAX_RETRIES) -> AnthropicUsage:
        client = make_client(settings, max_retries=max_retries)
        return cls(client, settings.anthropic_admin_key.get_secret_value() if settings.anthropic_admin_key else "")

    def _pages(self, report, name: str, since: date, until: date, on_page: OnPage | None):
        seen: set[str] = set()
        cursor: str | None = None
        while True:
            try:
                page = report.list(
                    starting_at=rfc3339(since),
                    ending_at=rfc3339(until + timedelta(days=1)),
                    bucket_width="1d",
                    group_by=["model"],
                    limit=PAGE_ROWS,
                    **({"page": cursor} if cursor else {}),
                )
            except anthropic.APIError as exc:
                raise ProviderError(f"{name}: {describe_failure('Anthropic', exc, self._secret)}") from None
            if on_page is not None:
                on_page()
            yield page
            cursor = next_cursor(seen, page.next_page if page.has_more is not False else None, name)
            if cursor is None:
                return

    def close(self) -> None:
        self._client.close()

    def fetch(self, since: date, until: date, on_page: OnPage | None = None) -> FetchedWindow:
        if (until - since).days + 1 > MAX_WINDOW_DAYS:
            raise ValueError(f"Anthropic reports cover at most {MAX_WINDOW_DAYS} days per request")
        window = FetchedWindow(since, until)
        analytics = self._client.beta.organization.analytics
        rows: dict[tuple[date, str, str], _Row] = {}

        def row_for(item) -> _Row:
            user, email, reason = _actor(item.actor)
            day = _day(item, since)
            model = item.model or NO_MODEL
            key = (day, user, model)
            if key not in rows:
                rows[key] = _Row(day, email, reason, model)
            return rows[key]

        for page in self._pages(analytics.user_usage_report, "user usage report", since, until, on_page):
            window.pages += 1
            for item in page.data:
                row = row_for(item)
                row.uncached += item.uncached_input_tokens
                row.cache_read += item.cache_read_input_tokens
                creation = item.cache_creation
                row.cache_write += creation.ephemeral_1h_input_tokens + creation.ephemeral_5m_input_tokens
                row.output += item.output_tokens
                row.requests += item.requests or 0
        for page in self._pages(analytics.user_cost_report, "user cost report", since, until, on_page):
            window.pages += 1
            for item in page.data:
                if item.currency != "USD":
                    raise ProviderError(f"user cost report: amounts in {item.currency}, expected USD")
                row = row_for(item)
                row.cost_usd = (row.cost_usd or Decimal(0)) + cents_to_usd(item.amount)
        for row in rows.values():
            if row.email is None:
                window.unattributable.add(row.reason, row.tokens, row.cost_usd)
                continue
            window.usage.append(
                UsageRecord(
                    day=row.day,
                    email=row.email,
                    provider=self.provider,
                    model=row.model,
                    input_tokens=row.uncached + row.cache_read + row.cache_write,
                    output_tokens=row.output,
                    cached_input_tokens=row.cache_read,
                    cache_write_tokens=row.cache_write,
                    requests=row.requests,
                    cost_usd=row.cost_usd,  # None (no cost row): priced from the table
                )
            )
        return window
