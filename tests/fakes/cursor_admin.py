"""A local Cursor Admin API: members, usage events and daily usage data, real paths, fields and pagination.

Point CURSOR_API_URL at `fake.base_url`. HTTP Basic auth with the key as user name and an empty password
(anything else answers 401). `POST` bodies carry `startDate`/`endDate` (epoch ms, inclusive) and, for
the paged endpoints, `page` (from 1) and `pageSize`; answers carry `pagination` {`numPages`,
`currentPage`, `pageSize`, `hasNextPage`, `hasPreviousPage`}. Dates in answers are epoch ms (usage events'
`timestamp` as a string, as Cursor sends it). Cents are JSON numbers.

A rate limit (requests per rolling minute, on an injectable clock) answers 429 with `Retry-After`
(whole seconds) once exceeded, as the real API does at about 20 a minute; `fail_next` scripts faults.
"""

from __future__ import annotations

import base64
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.demo.standin.local_server import LocalServer, ReceivedRequest, Reply, ScriptedFaults

ADMIN_KEY = "key_fake_cursor_admin_0123456789abcdef"
MEMBERS = "/teams/members"
USAGE_EVENTS = "/teams/filtered-usage-events"
DAILY_USAGE = "/teams/daily-usage-data"
MAX_RANGE_DAYS = 30  # the daily usage endpoint's longest range
DAY_MS = 86_400_000


_EPOCH = date(1970, 1, 1).toordinal()


def ms(day: date, hour: int = 12) -> int:
    """Epoch milliseconds of `hour`:00 UTC on `day` (integer arithmetic: the fake serves large organisations)."""
    return (day.toordinal() - _EPOCH) * DAY_MS + hour * 3_600_000


@dataclass
class Member:
    email: str
    name: str = ""
    role: str = "member"
    is_removed: bool = False

    def wire(self) -> dict:
        return {
            "name": self.name or self.email.split("@")[0].title(),
            "email": self.email,
            "role": self.role,
            "isRemoved": self.is_removed,
        }


@dataclass
class UsageEvent:
    """One request in Cursor: tokens and what it cost (cents)."""

    day: date
    email: str | None
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    total_cents: Decimal | None = Decimal(0)
    charged_cents: Decimal | None = None
    kind: str = "Usage-based"
    hour: int = 12
    is_chargeable: bool | None = None

    def wire(self) -> dict:
        event: dict = {
            "timestamp": str(ms(self.day, self.hour)),
            "model": self.model,
            "kind": self.kind,
            "maxMode": False,
            "requestsCosts": 1,
            "isTokenBasedCall": True,
            "tokenUsage": {
                "inputTokens": self.input_tokens,
                "outputTokens": self.output_tokens,
                "cacheWriteTokens": self.cache_write_tokens,
                "cacheReadTokens": self.cache_read_tokens,
                "totalCents": float(self.total_cents) if self.total_cents is not None else None,
            },
            "isFreeBugbot": False,
            "userEmail": self.email,
        }
        if self.charged_cents is not None:
            event["chargedCents"] = float(self.charged_cents)
        if self.is_chargeable is not None:
            event["isChargeable"] = self.is_chargeable
        return event


@dataclass
class DailyUsage:
    """One member's day in Cursor (daily usage data)."""

    day: date
    email: str
    is_active: bool = True
    accepted_lines_added: int = 0
    agent_requests: int = 0
    composer_requests: int = 0
    chat_requests: int = 0

    def wire(self) -> dict:
        return {
            "date": ms(self.day, 0),
            "isActive": self.is_active,
            "totalLinesAdded": self.accepted_lines_added * 2,
            "totalLinesDeleted": 0,
            "acceptedLinesAdded": self.accepted_lines_added,
            "acceptedLinesDeleted": 0,
            "totalApplies": 0,
            "totalAccepts": 0,
            "totalRejects": 0,
            "totalTabsShown": 0,
            "totalTabsAccepted": 0,
            "composerRequests": self.composer_requests,
            "chatRequests": self.chat_requests,
            "agentRequests": self.agent_requests,
            "cmdkUsages": 0,
            "subscriptionIncludedReqs": self.agent_requests + self.composer_requests + self.chat_requests,
            "apiKeyReqs": 0,
            "usageBasedReqs": 0,
            "bugbotUsages": 0,
            "mostUsedModel": "claude-4-sonnet",
            "email": self.email,
        }


class _Fault:
    def __init__(self, status: int, retry_after: str | None) -> None:
        self.status = status
        self.retry_after = retry_after


class FakeCursorAdmin(LocalServer):
    name = "fake-cursor-admin"

    def __init__(
        self,
        *,
        admin_key: str = ADMIN_KEY,
        rate_per_minute: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        max_page_size: int = 1000,
    ) -> None:
        super().__init__()
        self.max_page_size = max_page_size
        self.admin_key = admin_key
        self.members: list[Member] = []
        self.events: list[UsageEvent] = []
        self.daily: list[DailyUsage] = []
        self.rate_per_minute = rate_per_minute
        self.clock = clock
        self._recent: deque[float] = deque()
        self._rate_lock = threading.Lock()
        self._faults: ScriptedFaults[_Fault] = ScriptedFaults()
        self.rate_limited = 0  # 429s answered because of the rate limit (not scripted)

    @property
    def base_url(self) -> str:
        return self.origin

    def fail_next(self, path: str, status: int, *, times: int = 1, retry_after: str | None = None, when=None) -> None:
        self._faults.add(path, _Fault(status, retry_after), times=times, when=when)

    # ------------------------------------------------------------------ serving

    def reply_to(self, request: ReceivedRequest) -> Reply:
        if not self._authorised(request):
            return Reply(401, {"error": "Unauthorized", "message": "Invalid API key"})
        limited = self._rate_limit()
        if limited is not None:
            return limited
        fault = self._faults.take(request.path, request)
        if fault is not None:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            return Reply(fault.status, {"error": "Error", "message": f"scripted {fault.status}"}, headers)
        if request.path == MEMBERS and request.method == "GET":
            return Reply(200, {"teamMembers": [m.wire() for m in self.members]})
        if request.method != "POST" or request.path not in (USAGE_EVENTS, DAILY_USAGE):
            return Reply(404, {"error": "Not Found", "message": f"no route {request.method} {request.path}"})
        body = request.body if isinstance(request.body, dict) else {}
        try:
            start, end = int(body["startDate"]), int(body["endDate"])
        except (KeyError, TypeError, ValueError):
            return Reply(400, {"error": "Bad Request", "message": "startDate and endDate (epoch ms) are required"})
        if end < start:
            return Reply(400, {"error": "Bad Request", "message": "endDate is before startDate"})
        period = {"startDate": start, "endDate": end}
        if request.path == DAILY_USAGE:
            if end - start > MAX_RANGE_DAYS * DAY_MS:
                return Reply(400, {"error": "Bad Request", "message": "date range cannot exceed 30 days"})
            days = [d for d in self.daily if start <= ms(d.day, 0) <= end]
            if "page" not in body:
                return Reply(200, {"data": [d.wire() for d in days], "period": period})
            chunk, pagination = self._page(days, body)
            return Reply(200, {"data": [d.wire() for d in chunk], "period": period, "pagination": pagination})
        events = sorted((e for e in self.events if start <= ms(e.day, e.hour) <= end), key=lambda e: -ms(e.day, e.hour))
        chunk, pagination = self._page(events, body, default_size=10)
        page = [e.wire() for e in chunk]
        return Reply(
            200, {"totalUsageEventsCount": len(events), "pagination": pagination, "usageEvents": page, "period": period}
        )

    def _page(self, rows: list, body: dict, default_size: int = 100) -> tuple[list, dict]:
        size = min(self.max_page_size, max(1, int(body.get("pageSize") or default_size)))
        number = max(1, int(body.get("page") or 1))
        pages = max(1, math.ceil(len(rows) / size))
        chunk = rows[(number - 1) * size : number * size]
        return chunk, {
            "numPages": pages,
            "currentPage": number,
            "pageSize": size,
            "hasNextPage": number < pages,
            "hasPreviousPage": number > 1,
        }

    def _authorised(self, request: ReceivedRequest) -> bool:
        sent = request.headers.get("authorization", "")
        expected = "Basic " + base64.b64encode(f"{self.admin_key}:".encode()).decode()
        return sent == expected

    def _rate_limit(self) -> Reply | None:
        if not self.rate_per_minute:
            return None
        with self._rate_lock:
            now = self.clock()
            while self._recent and self._recent[0] <= now - 60:
                self._recent.popleft()
            if len(self._recent) >= self.rate_per_minute:
                self.rate_limited += 1
                wait = max(1, math.ceil(self._recent[0] + 60 - now))
                return Reply(
                    429, {"error": "Too Many Requests", "message": "rate limit exceeded"}, {"Retry-After": wait}
                )
            self._recent.append(now)
        return None

    def crash_reply(self) -> Reply:
        return Reply(500, {"error": "Internal Server Error", "message": "fake crashed"})
