"""Cursor's Admin API: members (seats), usage events (tokens and cost) and daily usage data (activity).

No official Python SDK exists: plain httpx with HTTP Basic auth (the key as user name, an empty
password), retries with backoff from tenacity, and a pacer that keeps to the API's limit of about
20 requests a minute. A 429 is waited out for its `Retry-After` (seconds) before the one retry.

- `GET /teams/members` → `teamMembers[]` {`email`, `isRemoved`, …}: the seat holders.
- `POST /teams/filtered-usage-events` {`startDate`, `endDate` (epoch ms), `page` (from 1), `pageSize`}
  → `usageEvents[]` and `pagination` {`numPages`, `currentPage`, `hasNextPage`}: every page is read.
  Each event: `userEmail`, `timestamp` (epoch ms, a string), `model`, `kind`, `tokenUsage`
  {`inputTokens`, `outputTokens`, `cacheReadTokens`, `cacheWriteTokens`, `totalCents`}, `chargedCents`.
- `POST /teams/daily-usage-data` {`startDate`, `endDate`} → `data[]` per person and day: `email`,
  `date` (epoch ms), `isActive`, `acceptedLinesAdded`, `agentRequests`, `composerRequests`, `chatRequests`.

Cost per event (cents, converted exactly): `chargedCents` where present (what Cursor billed); else $0 for
an event the plan includes (the seat pays for it: see bot/domain/seats.py); else `tokenUsage.totalCents`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from decimal import Decimal
from typing import Any

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from bot.domain.money import cents_to_usd
from bot.ingest.provider_api import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT_S,
    FetchedWindow,
    MissingKey,
    OnPage,
    ProviderError,
    email_of,
)
from bot.ingest.records import CodeActivityRecord, SeatRecord, UsageRecord
from bot.settings import Settings

DEFAULT_API_URL = "https://api.cursor.com"
MEMBERS = "/teams/members"
USAGE_EVENTS = "/teams/filtered-usage-events"
DAILY_USAGE = "/teams/daily-usage-data"
REQUESTS_PER_MINUTE = 20  # the Admin API's documented limit
PAGE_SIZE = 1000
ACTIVITY_PROVIDER = "cursor"  # code_activity_daily.provider
SEAT_TOOL = "cursor"
MAX_BACKOFF_S = 60.0
RETRYABLE = frozenset({408, 409, 429, 500, 502, 503, 504})


class Pacer:
    """At most `per_minute` requests a minute, evenly spaced: waits before each one. Clock and sleep injectable."""

    def __init__(
        self,
        per_minute: float = REQUESTS_PER_MINUTE,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self.clock = clock
        self.sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()
        self.waited = 0.0  # seconds spent waiting, for the benchmark

    def wait(self) -> None:
        with self._lock:
            now = self.clock()
            delay = self._next - now
            if delay > 0:
                self.waited += delay
                self.sleep(delay)
                now = self.clock()
            self._next = now + self.interval

    def hold(self, seconds: float) -> None:
        """Nothing is sent for `seconds` (a 429's Retry-After holds every later request too)."""
        with self._lock:
            self._next = max(self._next, self.clock() + seconds)


class _Failure(Exception):
    def __init__(self, status: int | None, detail: str, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.retry_after = retry_after


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        return None  # an HTTP date: fall back to the backoff


@dataclass
class RequestStats:
    """What the client did: requests sent, 429s met, and the most retries any one call needed."""

    requests: int = 0
    rate_limited: int = 0
    retried: int = 0
    max_retries_of_one_call: int = 0


class CursorAdminClient:
    """One Cursor Admin API connection: paced, retried, the key never in an error or a log line."""

    def __init__(
        self,
        base_url: str,
        key: str,
        *,
        max_retries: int = DEFAULT_MAX_RETRIES,
        pacer: Pacer | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._key = key
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            auth=httpx.BasicAuth(key, ""),
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json"},
        )
        self.pacer = pacer or Pacer()
        self.max_retries = max_retries
        self.stats = RequestStats()

    def close(self) -> None:
        self._http.close()

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """One API call, with the pacer before every attempt and retries for 429, 408/409, 5xx and transport errors."""
        attempts = 0

        def wait(state: RetryCallState) -> float:
            failure = state.outcome.exception() if state.outcome else None
            if isinstance(failure, _Failure) and failure.retry_after is not None:
                return 0.0  # the pacer holds the retry (and every other request) for Retry-After
            return float(wait_exponential_jitter(initial=1, max=MAX_BACKOFF_S)(state))

        retrying = Retrying(
            stop=stop_after_attempt(self.max_retries + 1),
            retry=retry_if_exception(lambda exc: isinstance(exc, _Failure) and exc.status in RETRYABLE | {None}),
            wait=wait,
            sleep=self.pacer.sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    attempts += 1
                    result = self._once(method, path, body)
        except _Failure as failure:
            raise ProviderError(f"{method} {path}: {self._mask(failure.detail)}") from None
        finally:
            self.stats.retried += attempts - 1
            self.stats.max_retries_of_one_call = max(self.stats.max_retries_of_one_call, attempts - 1)
        return result

    def _once(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        self.pacer.wait()
        self.stats.requests += 1
        try:
            response = self._http.request(method, path, json=body)
        except httpx.TimeoutException:
            raise _Failure(None, "Cursor did not answer in time") from None
        except httpx.TransportError as exc:
            raise _Failure(None, f"could not reach Cursor ({type(exc).__name__})") from None
        if response.status_code == 429:
            self.stats.rate_limited += 1
            wait = _retry_after(response)
            if wait is not None:
                self.pacer.hold(wait)
            raise _Failure(429, "Cursor answered HTTP 429: rate limited", wait)
        if response.status_code >= 400:
            raise _Failure(response.status_code, f"Cursor answered HTTP {response.status_code}{_detail(response)}")
        try:
            parsed = json.loads(response.content or b"null", parse_float=Decimal)
        except ValueError:
            raise _Failure(response.status_code, "Cursor answered something that is not JSON") from None
        if not isinstance(parsed, dict):
            raise _Failure(response.status_code, "Cursor answered an unexpected JSON value")
        return parsed

    def _mask(self, text: str) -> str:
        return (text.replace(self._key, "***") if self._key else text)[:300]


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        message = body.get("message") or body.get("error")
        if isinstance(message, dict):
            message = message.get("message")
        if isinstance(message, str) and message:
            return f": {message}"
    return ""


def epoch_ms(day: date) -> int:
    return int(datetime.combine(day, day_time(0), tzinfo=UTC).timestamp() * 1000)


def _day_of(ms: Any) -> date | None:
    try:
        return datetime.fromtimestamp(int(str(ms)) / 1000, tz=UTC).date()
    except (TypeError, ValueError, OverflowError):
        return None


def _int(value: Any) -> int:
    if value is None or isinstance(value, bool):
        return 0
    return int(value)


def _included(event: dict[str, Any]) -> bool:
    """Usage the plan includes: the seat's price pays for it."""
    if event.get("isChargeable") is False:
        return True
    kind = str(event.get("kindLabel") or event.get("kind") or "")
    return kind.lower().startswith("included")


def event_cost_usd(event: dict[str, Any]) -> Decimal:
    """What Cursor billed for one event, in exact dollars (see the module's docstring for the rule)."""
    charged = event.get("chargedCents")
    if charged is not None:
        return cents_to_usd(charged)
    if _included(event):
        return Decimal(0)
    total = (event.get("tokenUsage") or {}).get("totalCents")
    return cents_to_usd(total) if total is not None else Decimal(0)


class CursorUsage:
    """`buildboard usage sync cursor`."""

    name = "cursor"
    provider = "cursor"
    source = "cursor"
    window_days = 7
    activity_provider = ACTIVITY_PROVIDER
    activity_label = "Cursor activity"
    seat_tools = (SEAT_TOOL,)  # an empty members list still speaks for Cursor: everyone's seat ended

    def __init__(self, client: CursorAdminClient, *, page_size: int = PAGE_SIZE) -> None:
        self._client = client
        self._page_size = page_size
        self._seats: list[SeatRecord] | None = None

    @classmethod
    def from_settings(
        cls, settings: Settings, *, max_retries: int = DEFAULT_MAX_RETRIES, pacer: Pacer | None = None
    ) -> CursorUsage:
        if settings.cursor_admin_key is None or not settings.cursor_admin_key.get_secret_value():
            raise MissingKey(
                "CURSOR_ADMIN_KEY is not set: create an Admin API key at cursor.com → Dashboard → Settings → "
                "Advanced → Admin API Keys"
            )
        client = CursorAdminClient(
            settings.cursor_api_url,
            settings.cursor_admin_key.get_secret_value(),
            max_retries=max_retries,
            pacer=pacer or Pacer(settings.cursor_requests_per_minute),
        )
        return cls(client)

    @property
    def client(self) -> CursorAdminClient:
        return self._client

    def close(self) -> None:
        self._client.close()

    def members(self) -> list[SeatRecord]:
        """Who holds a Cursor seat now (members not removed), read once per sync."""
        if self._seats is None:
            answer = self._client.call("GET", MEMBERS)
            members = answer.get("teamMembers")
            if not isinstance(members, list):
                raise ProviderError(f"GET {MEMBERS}: unexpected answer (no teamMembers list)")
            seats = []
            for member in members:
                email = email_of(member.get("email")) if isinstance(member, dict) else None
                if email is None or member.get("isRemoved"):
                    continue
                seats.append(SeatRecord(email=email, tool=SEAT_TOOL))
            self._seats = seats
        return self._seats

    def fetch(self, since: date, until: date, on_page: OnPage | None = None) -> FetchedWindow:
        window = FetchedWindow(since, until)
        window.seats = list(self.members())
        window.pages += 1
        span = {"startDate": epoch_ms(since), "endDate": epoch_ms(until + timedelta(days=1)) - 1}
        usage: dict[tuple[date, str, str], UsageRecord] = {}
        for events in self._pages(USAGE_EVENTS, "usageEvents", span, window, on_page):
            for event in events:
                self._add_event(window, event, usage)
        activity: dict[tuple[date, str], CodeActivityRecord] = {}
        for rows in self._pages(DAILY_USAGE, "data", span, window, on_page):
            for row in rows:
                self._add_activity(window, row, activity)
        window.usage.extend(usage.values())
        window.activity.extend(activity.values())
        return window

    def _pages(
        self, path: str, field: str, span: dict[str, int], window: FetchedWindow, on_page: OnPage | None
    ) -> Iterator[list[Any]]:
        page = 1
        while True:
            answer = self._client.call("POST", path, {**span, "page": page, "pageSize": self._page_size})
            items = answer.get(field)
            if not isinstance(items, list):
                raise ProviderError(f"POST {path}: unexpected answer (no {field} list)")
            window.pages += 1
            if on_page is not None:
                on_page()
            yield items
            pagination = answer.get("pagination")
            if not isinstance(pagination, dict) or not pagination.get("hasNextPage"):
                return
            current = pagination.get("currentPage")
            if current is not None and _int(current) != page:
                raise ProviderError(f"POST {path}: asked for page {page}, Cursor answered page {current}")
            pages = _int(pagination.get("numPages"))
            if pages and page >= pages:
                return
            page += 1

    def _add_event(
        self, window: FetchedWindow, event: dict[str, Any], usage: dict[tuple[date, str, str], UsageRecord]
    ) -> None:
        day = _day_of(event.get("timestamp"))
        if day is None or not window.since <= day <= window.until:
            return  # outside this window's days: another window stores it
        tokens = event.get("tokenUsage") or {}
        uncached, output = _int(tokens.get("inputTokens")), _int(tokens.get("outputTokens"))
        cache_read, cache_write = _int(tokens.get("cacheReadTokens")), _int(tokens.get("cacheWriteTokens"))
        cost = event_cost_usd(event)
        email = email_of(event.get("userEmail"))
        if email is None:
            window.unattributable.add("no email", uncached + output + cache_read + cache_write, cost)
            return
        model = str(event.get("model") or "unspecified")
        found = usage.get((day, email, model))
        if found is None:
            found = usage[(day, email, model)] = UsageRecord(
                day=day, email=email, provider=self.provider, model=model, input_tokens=0, output_tokens=0
            )
            found.cost_usd = Decimal(0)
        found.input_tokens += uncached + cache_read + cache_write
        found.cached_input_tokens += cache_read
        found.cache_write_tokens += cache_write
        found.output_tokens += output
        found.requests += 1
        found.cost_usd = (found.cost_usd or Decimal(0)) + cost

    def _add_activity(
        self, window: FetchedWindow, row: dict[str, Any], activity: dict[tuple[date, str], CodeActivityRecord]
    ) -> None:
        day = _day_of(row.get("date"))
        email = email_of(row.get("email"))
        if day is None or email is None or not window.since <= day <= window.until:
            return
        counts = (
            _int(row.get("acceptedLinesAdded")),
            _int(row.get("agentRequests")),
            _int(row.get("composerRequests")),
            _int(row.get("chatRequests")),
        )
        if not row.get("isActive") and not any(counts):
            return  # a member's idle day: no row
        # A row is an active day; Cursor reports no sessions.
        mine = activity.setdefault((day, email), CodeActivityRecord(day=day, email=email, provider=ACTIVITY_PROVIDER))
        mine.lines_added += counts[0]
        mine.agent_requests += counts[1]
        mine.composer_requests += counts[2]
        mine.chat_requests += counts[3]
