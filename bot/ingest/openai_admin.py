"""OpenAI organization usage (completions and embeddings), per user and model per UTC day, via the openai SDK.

OpenAI reports no per-user cost, so records carry tokens only (`cost_usd=None`) and are priced from the
price table: uncached input, cached input and cache writes each at their own price. User ids become
emails through the organisation users list; usage with no user (service accounts, project keys) or by
a user no longer in the organisation cannot be attributed and is counted, not stored.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import openai

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

ENDPOINTS = ("completions", "embeddings")
MAX_BUCKETS_PER_PAGE = 31  # the API's maximum for 1-day buckets


def make_client(settings: Settings, *, max_retries: int = DEFAULT_MAX_RETRIES) -> openai.OpenAI:
    if settings.openai_admin_key is None:
        raise MissingKey(
            "OPENAI_ADMIN_KEY is not set: create an admin key at platform.openai.com → Settings → Admin keys"
        )
    return openai.OpenAI(
        # The admin endpoints authenticate with the admin key; a placeholder keeps OPENAI_API_KEY out of it.
        api_key="unused-for-admin-endpoints",
        admin_api_key=settings.openai_admin_key.get_secret_value(),
        base_url=settings.openai_base_url or None,
        max_retries=max_retries,
        timeout=DEFAULT_TIMEOUT_S,
    )


def _unix(day: date) -> int:
    return int(datetime.combine(day, time(0), tzinfo=UTC).timestamp())


class OpenAIUsage:
    """`buildboard usage sync openai`."""

    name = "openai"
    provider = "openai"
    source = "openai"
    window_days = 7

    def __init__(self, client: openai.OpenAI, secret: str) -> None:
        self._client = client
        self._secret = secret
        self._emails: dict[str, str | None] | None = None

    @classmethod
    def from_settings(cls, settings: Settings, *, max_retries: int = DEFAULT_MAX_RETRIES) -> OpenAIUsage:
        client = make_client(settings, max_retries=max_retries)
        return cls(client, settings.openai_admin_key.get_secret_value() if settings.openai_admin_key else "")

    def user_emails(self) -> dict[str, str | None]:
        """user id → email for everyone currently in the organisation (the SDK follows the pages)."""
        if self._emails is None:
            try:
                self._emails = {
                    user.id: email_of(user.email or (user.user.email if user.user else None))
                    for user in self._client.admin.organization.users.list(limit=100)
                }
            except openai.APIError as exc:
                raise ProviderError(f"users list: {describe_failure('OpenAI', exc, self._secret)}") from None
        return self._emails

    def close(self) -> None:
        self._client.close()

    def fetch(self, since: date, until: date, on_page: OnPage | None = None) -> FetchedWindow:
        window = FetchedWindow(since, until)
        emails = self.user_emails()
        for endpoint in ENDPOINTS:
            call = getattr(self._client.admin.organization.usage, endpoint)
            seen: set[str] = set()
            cursor: str | None = None
            while True:
                try:
                    page = call(
                        start_time=_unix(since),
                        end_time=_unix(until + timedelta(days=1)),
                        bucket_width="1d",
                        group_by=["user_id", "model"],
                        limit=MAX_BUCKETS_PER_PAGE,
                        **({"page": cursor} if cursor else {}),
                    )
                except openai.APIError as exc:
                    raise ProviderError(f"usage/{endpoint}: {describe_failure('OpenAI', exc, self._secret)}") from None
                window.pages += 1
                for bucket in page.data:
                    day = datetime.fromtimestamp(bucket.start_time, UTC).date()
                    for result in bucket.results:
                        self._add(window, day, result, endpoint, emails)
                if on_page is not None:
                    on_page()
                cursor = next_cursor(seen, page.next_page if page.has_more else None, f"usage/{endpoint}")
                if cursor is None:
                    break
        return window

    def _add(self, window: FetchedWindow, day: date, result, endpoint: str, emails: dict[str, str | None]) -> None:
        input_tokens = int(result.input_tokens or 0)
        output_tokens = int(getattr(result, "output_tokens", 0) or 0)
        user_id = result.user_id
        email = emails.get(user_id) if user_id else None
        if email is None:
            reason = "no user (service account or project key)" if not user_id else "user no longer in the organisation"
            window.unattributable.add(reason, input_tokens + output_tokens)
            return
        cached = int(getattr(result, "input_cached_tokens", 0) or 0)
        written = getattr(result, "input_cache_write_tokens", None)
        uncached = getattr(result, "input_uncached_tokens", None)
        if written is None:
            # Older responses: cache writes are what is neither cached nor uncached.
            written = input_tokens - cached - uncached if uncached is not None else 0
        cached = min(max(cached, 0), input_tokens)
        written = min(max(int(written), 0), input_tokens - cached)
        window.usage.append(
            UsageRecord(
                day=day,
                email=email,
                provider=self.provider,
                model=result.model or f"unknown-{endpoint}-model",
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                cached_input_tokens=cached,
                cache_write_tokens=written,
                requests=int(result.num_model_requests or 0),
            )
        )
