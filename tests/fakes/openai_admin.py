"""A local OpenAI organization Admin API: users list and usage (completions, embeddings) in the real wire format.

Point the real `openai` SDK at it with `base_url=fake.base_url` (what OPENAI_BASE_URL holds).
Usage is bucketed by UTC day; `group_by[]` (or repeated `group_by=`) decides which dimension fields
are filled, the rest are null and summed over, as the real API does. Pages are cut by buckets
(`limit`, at most 31 for 1d) and, to exercise pagination on short windows, by `buckets_per_page`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.demo.standin.local_server import ReceivedRequest, encode_offset_cursor
from tests.fakes.http_fake import ApiError, FakeHttpServer, decode_cursor

ADMIN_KEY = "sk-admin-fake-openai-0123456789"
DIMENSIONS = ("project_id", "user_id", "api_key_id", "model", "batch", "service_tier", "api_source")
MAX_BUCKETS = {"1d": 31}


@dataclass
class CompletionsUsage:
    day: date
    user_id: str | None
    model: str
    input_tokens: int  # includes cached and cache-write tokens
    output_tokens: int
    input_cached_tokens: int = 0
    input_cache_write_tokens: int = 0
    num_model_requests: int = 1
    project_id: str = "proj_default"
    api_key_id: str = "key_default"


@dataclass
class EmbeddingsUsage:
    day: date
    user_id: str | None
    model: str
    input_tokens: int
    num_model_requests: int = 1
    project_id: str = "proj_default"
    api_key_id: str = "key_default"


def _unix(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


class FakeOpenAIAdmin(FakeHttpServer):
    name = "fake-openai-admin"

    def __init__(self, *, admin_key: str = ADMIN_KEY, buckets_per_page: int | None = None) -> None:
        super().__init__()
        self.admin_key = admin_key
        self.buckets_per_page = buckets_per_page
        self.users: list[dict] = []
        self.completions: list[CompletionsUsage] = []
        self.embeddings: list[EmbeddingsUsage] = []
        self.routes = {
            "/v1/organization/users": self._users,
            "/v1/organization/usage/completions": lambda r: self._usage(r, "completions"),
            "/v1/organization/usage/embeddings": lambda r: self._usage(r, "embeddings"),
        }

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v1"

    def add_user(self, user_id: str, email: str, name: str = "") -> None:
        self.users.append(
            {
                "object": "organization.user",
                "id": user_id,
                "name": name or email.split("@")[0].title(),
                "email": email,
                "role": "reader",
                "added_at": 1_700_000_000,
            }
        )

    # ------------------------------------------------------------------ wire format

    def error_body(self, status: int, message: str | None = None) -> dict:
        kinds = {400: "invalid_request_error", 401: "invalid_request_error", 404: "invalid_request_error"}
        codes = {401: "invalid_api_key", 429: "rate_limit_exceeded"}
        return {
            "error": {
                "message": message or {429: "Rate limit reached", 500: "The server had an error"}.get(status, "error"),
                "type": kinds.get(status, "server_error" if status >= 500 else "requests"),
                "param": None,
                "code": codes.get(status),
            }
        }

    def check_auth(self, request: ReceivedRequest) -> None:
        if request.headers.get("authorization") != f"Bearer {self.admin_key}":
            raise ApiError(401, "Incorrect API key provided. You must be an organization owner with an admin key.")

    # ------------------------------------------------------------------ routes

    def _users(self, request: ReceivedRequest) -> tuple[dict, dict]:
        limit = int(request.value("limit") or 20)
        if not 1 <= limit <= 100:
            raise ApiError(400, "limit must be between 1 and 100")
        users = self.users
        emails = request.values("emails")
        if emails:
            users = [u for u in users if u["email"] in emails]
        after = request.value("after")
        if after:
            ids = [u["id"] for u in users]
            if after not in ids:
                raise ApiError(400, f"unknown cursor {after}")
            users = users[ids.index(after) + 1 :]
        page = users[:limit]
        return (
            {
                "object": "list",
                "data": page,
                "first_id": page[0]["id"] if page else None,
                "last_id": page[-1]["id"] if page else None,
                "has_more": len(users) > limit,
            },
            {},
        )

    def _usage(self, request: ReceivedRequest, kind: str) -> tuple[dict, dict]:
        try:
            start = int(request.value("start_time") or "")
        except ValueError:
            raise ApiError(400, "start_time is required (unix seconds)") from None
        end = int(request.value("end_time") or start + 7 * 86_400)
        width = request.value("bucket_width") or "1d"
        if width not in MAX_BUCKETS:
            raise ApiError(400, f"bucket_width {width!r} is not supported by this fake")
        limit = int(request.value("limit") or 7)
        if not 1 <= limit <= MAX_BUCKETS[width]:
            raise ApiError(400, f"limit must be between 1 and {MAX_BUCKETS[width]} for bucket_width={width}")
        group_by = request.values("group_by")
        unknown = [g for g in group_by if g not in DIMENSIONS]
        if unknown:
            raise ApiError(400, f"invalid group_by value {unknown[0]!r}")
        first = datetime.fromtimestamp(start, UTC).date()
        days = []
        day = first
        while _unix(day) < end:
            days.append(day)
            day += timedelta(days=1)
        offset = decode_cursor(request.value("page"), "page")
        per_page = min(limit, self.buckets_per_page or limit)
        page_days = days[offset : offset + per_page]
        rows = self.completions if kind == "completions" else self.embeddings
        buckets = []
        for day in page_days:
            grouped: dict[tuple, dict] = defaultdict(dict)
            for row in rows:
                if row.day != day:
                    continue
                key = tuple(getattr(row, g, None) for g in group_by)
                grouped[key] = self._add(grouped[key], row, kind, dict(zip(group_by, key, strict=True)))
            buckets.append(
                {
                    "object": "bucket",
                    "start_time": _unix(day),
                    "end_time": _unix(day + timedelta(days=1)),
                    "results": list(grouped.values()),
                }
            )
        more = offset + per_page < len(days)
        return (
            {
                "object": "page",
                "data": buckets,
                "has_more": more,
                "next_page": encode_offset_cursor(offset + per_page) if more else None,
            },
            {},
        )

    @staticmethod
    def _add(result: dict, row, kind: str, dims: dict) -> dict:
        if not result:
            result = {"object": f"organization.usage.{kind}.result", "input_tokens": 0, "num_model_requests": 0}
            if kind == "completions":
                result.update(
                    output_tokens=0,
                    input_cached_tokens=0,
                    input_cache_write_tokens=0,
                    input_uncached_tokens=0,
                    input_audio_tokens=0,
                    output_audio_tokens=0,
                    batch=None,
                    service_tier=None,
                    api_source=None,
                )
            result.update(project_id=None, user_id=None, api_key_id=None, model=None)
            result.update(dims)
        result["input_tokens"] += row.input_tokens
        result["num_model_requests"] += row.num_model_requests
        if kind == "completions":
            result["output_tokens"] += row.output_tokens
            result["input_cached_tokens"] += row.input_cached_tokens
            result["input_cache_write_tokens"] += row.input_cache_write_tokens
            result["input_uncached_tokens"] += row.input_tokens - row.input_cached_tokens - row.input_cache_write_tokens
        return result
