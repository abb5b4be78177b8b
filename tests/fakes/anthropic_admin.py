"""A local Anthropic Admin API: per-user usage and cost reports and Claude Code analytics, real wire format.

Point the real `anthropic` SDK at it with `base_url=fake.base_url` (what ANTHROPIC_BASE_URL holds).
Reports: `starting_at`/`ending_at` (RFC 3339, at most 31 days), `bucket_width=1d`, `group_by[]` (or
repeated `group_by=`) of model/product, cursor pages (`page` ← `next_page`, `has_more`) of at most
`limit` rows (default 20, at most 1000; `page_size` makes pages shorter to exercise pagination).
Cost amounts are cents as decimal strings. Claude Code: one UTC day per call (`starting_at=YYYY-MM-DD`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bot.demo.standin.local_server import ReceivedRequest, encode_offset_cursor
from tests.fakes.http_fake import ApiError, FakeHttpServer, decode_cursor

ADMIN_KEY = "sk-ant-admin01-fake-anthropic-0123456789"
REPORT_DIMENSIONS = ("model", "product")
MAX_LIMIT = 1000


@dataclass
class UserUsage:
    """One user's use of one model through one product on one day, with what it cost (cents)."""

    day: date
    email: str | None  # None: a deleted account
    model: str
    product: str = "chat"
    uncached_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_5m_tokens: int = 0
    cache_1h_tokens: int = 0
    output_tokens: int = 0
    requests: int = 1
    cost_cents: str | None = "0"  # None: no row in the cost report
    user_id: str = ""
    name: str | None = None
    deleted: bool = False

    def actor(self) -> dict:
        return {
            "type": "user_actor",
            "user_id": self.user_id or f"user_{(self.email or 'deleted').split('@')[0]}",
            "email_address": self.email,
            "name": "Deleted User" if self.email is None else (self.name or self.email.split("@")[0].title()),
            "deleted": self.deleted or self.email is None,
        }


@dataclass
class ClaudeCodeDay:
    """One Claude Code analytics record: a user (or API key) on one terminal on one day."""

    day: date
    email: str | None
    terminal_type: str = "vscode"
    sessions: int = 1
    lines_added: int = 0
    lines_removed: int = 0
    commits: int = 0
    pull_requests: int = 0
    models: list[dict] = field(default_factory=list)  # model_breakdown entries, as the API sends them
    api_key_name: str | None = None

    def record(self) -> dict:
        actor = (
            {"type": "api_actor", "api_key_name": self.api_key_name}
            if self.email is None
            else {"type": "user_actor", "email_address": self.email}
        )
        return {
            "date": f"{self.day.isoformat()}T00:00:00Z",
            "actor": actor,
            "organization_id": "org-fake",
            "customer_type": "api",
            "terminal_type": self.terminal_type,
            "core_metrics": {
                "num_sessions": self.sessions,
                "lines_of_code": {"added": self.lines_added, "removed": self.lines_removed},
                "commits_by_claude_code": self.commits,
                "pull_requests_by_claude_code": self.pull_requests,
            },
            "tool_actions": {
                "edit_tool": {"accepted": 3, "rejected": 1},
                "multi_edit_tool": {"accepted": 0, "rejected": 0},
                "write_tool": {"accepted": 1, "rejected": 0},
                "notebook_edit_tool": {"accepted": 0, "rejected": 0},
            },
            "model_breakdown": self.models,
        }


def model_breakdown(model: str, *, input: int, output: int, cache_read: int = 0, cache_creation: int = 0, cents=0):
    return {
        "model": model,
        "tokens": {"input": input, "output": output, "cache_read": cache_read, "cache_creation": cache_creation},
        "estimated_cost": {"currency": "USD", "amount": cents},
    }


def _parse_time(text: str | None, name: str) -> datetime:
    if not text:
        raise ApiError(400, f"{name}: field required")
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, f"{name}: invalid RFC 3339 timestamp {text!r}") from None
    if value.tzinfo is None:
        raise ApiError(400, f"{name}: timestamp must include a time zone")
    return value.astimezone(UTC)


def _stamp(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


class FakeAnthropicAdmin(FakeHttpServer):
    name = "fake-anthropic-admin"

    def __init__(self, *, admin_key: str = ADMIN_KEY, page_size: int | None = None) -> None:
        super().__init__()
        self.admin_key = admin_key
        self.page_size = page_size
        self.usage: list[UserUsage] = []
        self.claude_code: list[ClaudeCodeDay] = []
        self.routes = {
            "/v1/organizations/analytics/user_usage_report": lambda r: self._report(r, "usage"),
            "/v1/organizations/analytics/user_cost_report": lambda r: self._report(r, "cost"),
            "/v1/organizations/usage_report/claude_code": self._claude_code,
        }

    @property
    def base_url(self) -> str:
        return self.origin

    # ------------------------------------------------------------------ wire format

    def error_body(self, status: int, message: str | None = None) -> dict:
        kinds = {
            400: "invalid_request_error",
            401: "authentication_error",
            403: "permission_error",
            404: "not_found_error",
            429: "rate_limit_error",
            529: "overloaded_error",
        }
        return {
            "type": "error",
            "error": {"type": kinds.get(status, "api_error"), "message": message or "Internal server error"},
        }

    def check_auth(self, request: ReceivedRequest) -> None:
        sent = request.headers.get("x-api-key") or request.headers.get("authorization", "").removeprefix("Bearer ")
        if sent != self.admin_key:
            raise ApiError(401, "invalid x-api-key")
        if not request.headers.get("anthropic-version"):
            raise ApiError(400, "anthropic-version: header is required")

    # ------------------------------------------------------------------ routes

    def _page(self, request: ReceivedRequest, rows: list[dict]) -> dict:
        limit = int(request.value("limit") or 20)
        if not 1 <= limit <= MAX_LIMIT:
            raise ApiError(400, f"limit: must be between 1 and {MAX_LIMIT}")
        offset = decode_cursor(request.value("page"), "page")
        size = min(limit, self.page_size or limit)
        chunk = rows[offset : offset + size]
        more = offset + size < len(rows)
        return {"data": chunk, "has_more": more, "next_page": encode_offset_cursor(offset + size) if more else None}

    def _report(self, request: ReceivedRequest, kind: str) -> tuple[dict, dict]:
        start = _parse_time(request.value("starting_at"), "starting_at")
        end = _parse_time(request.value("ending_at"), "ending_at") if request.value("ending_at") else None
        width = request.value("bucket_width")
        if width not in (None, "1d"):
            raise ApiError(400, f"bucket_width {width!r} is not supported by this fake")
        if width and end is None:
            raise ApiError(400, "ending_at: required when bucket_width is set")
        end = end or start + timedelta(days=31)
        if end - start > timedelta(days=31):
            raise ApiError(400, "the range may span at most 31 days")
        group_by = request.values("group_by")
        unknown = [g for g in group_by if g not in REPORT_DIMENSIONS]
        if unknown:
            raise ApiError(400, f"group_by: unsupported value {unknown[0]!r}")
        grouped: dict[tuple, dict] = {}
        for row in self.usage:
            moment = datetime(row.day.year, row.day.month, row.day.day, tzinfo=UTC)
            if not start <= moment < end or (kind == "cost" and row.cost_cents is None):
                continue
            bucket = row.day if width else None
            actor = row.actor()
            key = (bucket, actor["user_id"], *(getattr(row, g) for g in group_by))
            item = grouped.get(key)
            if item is None:
                item = grouped[key] = self._empty(kind, row, actor, bucket, width, group_by)
            self._add(kind, item, row)
        items = sorted(
            grouped.values(),
            key=lambda i: (
                i.get("starting_at") or "",
                i["actor"]["user_id"],
                str(i.get("model")),
                str(i.get("product")),
            ),
        )
        for item in items:
            if kind == "cost":
                item["amount"] = _cents(item["amount"])
                item["list_amount"] = item["amount"]
        return self._page(request, items), {}

    @staticmethod
    def _empty(kind: str, row: UserUsage, actor: dict, bucket: date | None, width, group_by) -> dict:
        item: dict = {
            "actor": actor,
            "starting_at": _stamp(bucket) if bucket else None,
            "ending_at": _stamp(bucket + timedelta(days=1)) if bucket else None,
            "model": row.model if "model" in group_by else None,
            "product": row.product if "product" in group_by else None,
            "requests": 0,
            "context_window": None,
            "inference_geo": None,
            "speed": None,
        }
        if kind == "usage":
            item.update(
                uncached_input_tokens=0,
                cache_read_input_tokens=0,
                cache_creation={"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0},
                output_tokens=0,
                total_tokens=0,
                server_tool_use={"web_search_requests": 0},
            )
        else:
            item.update(amount=Decimal(0), list_amount="0", currency="USD", cost_type=None, token_type=None)
        return item

    @staticmethod
    def _add(kind: str, item: dict, row: UserUsage) -> None:
        item["requests"] += row.requests
        if kind == "usage":
            item["uncached_input_tokens"] += row.uncached_input_tokens
            item["cache_read_input_tokens"] += row.cache_read_input_tokens
            item["cache_creation"]["ephemeral_1h_input_tokens"] += row.cache_1h_tokens
            item["cache_creation"]["ephemeral_5m_input_tokens"] += row.cache_5m_tokens
            item["output_tokens"] += row.output_tokens
            item["total_tokens"] += (
                row.uncached_input_tokens
                + row.cache_read_input_tokens
                + row.cache_1h_tokens
                + row.cache_5m_tokens
                + row.output_tokens
            )
        else:
            item["amount"] += Decimal(row.cost_cents)

    def _claude_code(self, request: ReceivedRequest) -> tuple[dict, dict]:
        text = request.value("starting_at")
        try:
            day = date.fromisoformat(text or "")
        except ValueError:
            raise ApiError(400, f"starting_at: expected a UTC date YYYY-MM-DD, got {text!r}") from None
        rows = [r.record() for r in self.claude_code if r.day == day]
        return self._page(request, rows), {}


def _cents(amount: Decimal) -> str:
    text = format(amount, "f")
    return text if "." in text else f"{text}.00"
