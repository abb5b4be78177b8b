"""Claude Code analytics: per person and UTC day, sessions, lines, commits and pull requests, and estimated cost.

`GET /v1/organizations/usage_report/claude_code` is not in the anthropic SDK's resources, so it is called
through the SDK client's own transport (same auth, base URL, retries with Retry-After). One UTC day per
call, cursor pages; a person may have several records a day (one per terminal): they are summed by email.
Cost is Claude Code's estimate in cents, per model. API-key actors have no person: counted, not stored.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import anthropic

from bot.domain.money import cents_to_usd
from bot.ingest.anthropic_admin import make_client
from bot.ingest.provider_api import (
    DEFAULT_MAX_RETRIES,
    FetchedWindow,
    OnPage,
    ProviderError,
    describe_failure,
    email_of,
    next_cursor,
)
from bot.ingest.records import CodeActivityRecord, UsageRecord
from bot.settings import Settings

PATH = "/v1/organizations/usage_report/claude_code"
PAGE_ROWS = 1000
ACTIVITY_PROVIDER = "claude_code"  # code_activity_daily.provider: the coding agent


def _int(value: Any) -> int:
    if value is None or isinstance(value, bool):
        return 0
    return int(value)


def _cost(estimated: Any) -> Decimal | None:
    if not isinstance(estimated, dict) or estimated.get("amount") is None:
        return None
    currency = estimated.get("currency") or "USD"
    if currency != "USD":
        raise ProviderError(f"claude code report: estimated cost in {currency}, expected USD")
    return cents_to_usd(estimated["amount"])


class ClaudeCodeUsage:
    """`buildboard usage sync claude-code`."""

    name = "claude-code"
    provider = "anthropic"
    source = "claude_code"
    window_days = 1  # the endpoint answers one UTC day per call
    activity_provider = ACTIVITY_PROVIDER
    activity_label = "Claude Code activity"

    def __init__(self, client: anthropic.Anthropic, secret: str) -> None:
        self._client = client
        self._secret = secret

    @classmethod
    def from_settings(cls, settings: Settings, *, max_retries: int = DEFAULT_MAX_RETRIES) -> ClaudeCodeUsage:
        client = make_client(settings, max_retries=max_retries)
        return cls(client, settings.anthropic_admin_key.get_secret_value() if settings.anthropic_admin_key else "")

    def close(self) -> None:
        self._client.close()

    def fetch(self, since: date, until: date, on_page: OnPage | None = None) -> FetchedWindow:
        window = FetchedWindow(since, until)
        day = since
        while day <= until:
            self._fetch_day(window, day, on_page)
            day += timedelta(days=1)
        return window

    def _fetch_day(self, window: FetchedWindow, day: date, on_page: OnPage | None) -> None:
        activity: dict[str, CodeActivityRecord] = {}
        usage: dict[tuple[str, str], UsageRecord] = {}
        seen: set[str] = set()
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"starting_at": day.isoformat(), "limit": PAGE_ROWS}
            if cursor:
                params["page"] = cursor
            try:
                page = self._client.get(PATH, cast_to=object, options={"params": params})
            except anthropic.APIError as exc:
                raise ProviderError(
                    f"claude code report for {day}: {describe_failure('Anthropic', exc, self._secret)}"
                ) from None
            if not isinstance(page, dict) or not isinstance(page.get("data"), list):
                raise ProviderError(f"claude code report for {day}: unexpected answer (no data list)")
            window.pages += 1
            for record in page["data"]:
                self._add(window, day, record, activity, usage)
            if on_page is not None:
                on_page()
            cursor = next_cursor(seen, page.get("next_page") if page.get("has_more") else None, "claude code report")
            if cursor is None:
                break
        window.activity.extend(activity.values())
        window.usage.extend(usage.values())

    def _add(self, window: FetchedWindow, day: date, record: dict, activity: dict, usage: dict) -> None:
        actor = record.get("actor") or {}
        email = email_of(actor.get("email_address")) if actor.get("type", "user_actor") == "user_actor" else None
        breakdown = record.get("model_breakdown") or []
        if email is None:
            tokens = sum(sum(_int(v) for v in (m.get("tokens") or {}).values()) for m in breakdown)
            cost = sum((_cost(m.get("estimated_cost")) or Decimal(0) for m in breakdown), Decimal(0))
            window.unattributable.add("API key actor" if actor.get("type") == "api_actor" else "no email", tokens, cost)
            return
        core = record.get("core_metrics") or {}
        lines = core.get("lines_of_code") or {}
        mine = activity.setdefault(email, CodeActivityRecord(day=day, email=email, provider=ACTIVITY_PROVIDER))
        mine.sessions += _int(core.get("num_sessions"))
        mine.lines_added += _int(lines.get("added"))
        mine.lines_removed += _int(lines.get("removed"))
        mine.commits += _int(core.get("commits_by_claude_code"))
        mine.pull_requests += _int(core.get("pull_requests_by_claude_code"))
        for entry in breakdown:
            model = str(entry.get("model") or "unspecified")
            tokens = entry.get("tokens") or {}
            uncached, cache_read = _int(tokens.get("input")), _int(tokens.get("cache_read"))
            cache_write = _int(tokens.get("cache_creation"))
            cost = _cost(entry.get("estimated_cost"))
            found = usage.get((email, model))
            if found is None:
                found = usage[(email, model)] = UsageRecord(
                    day=day,
                    email=email,
                    provider=self.provider,
                    model=model,
                    input_tokens=0,
                    output_tokens=0,
                    cost_usd=None,
                )
            found.input_tokens += uncached + cache_read + cache_write
            found.cached_input_tokens += cache_read
            found.cache_write_tokens += cache_write
            found.output_tokens += _int(tokens.get("output"))
            if cost is not None:
                found.cost_usd = (found.cost_usd or Decimal(0)) + cost
