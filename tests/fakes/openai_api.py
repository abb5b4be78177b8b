"""A local fake of the OpenAI API (Chat Completions with structured output), on 127.0.0.1:0.

The real `openai.OpenAI(base_url=fake.base_url)` talks to it unchanged. Each test scripts the
answers in order — a good answer, a malformed one, a refusal, a 429 with Retry-After, a 5xx, a
hang longer than the client's timeout — and then looks at what was sent (`requests`). Requests
are checked the way the API checks them: a bearer key, a model, messages, and a strict
json_schema response format that follows strict mode's rules (every property required, no
additional properties, no keywords strict mode refuses); anything else gets the API's 400.
An unscripted call gets a 500 and is recorded, so a test that counts requests notices it.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from bot.demo.standin.local_server import LocalServer, ReceivedRequest, Reply

ANSWER_MODEL = "gpt-4.1-mini-2025-04-14"  # the API answers with the dated snapshot name
REFUSED_KEYWORDS = {"minLength", "maxLength", "minItems", "maxItems", "minimum", "maximum", "pattern", "format"}


class SentRequest(ReceivedRequest):
    """A chat completion request as sent: `body` is its JSON, with the prompt's parts at hand."""

    @property
    def system(self) -> str:
        return next(m["content"] for m in self.body["messages"] if m["role"] == "system")

    @property
    def user(self) -> str:
        return next(m["content"] for m in self.body["messages"] if m["role"] == "user")

    @property
    def schema(self) -> dict:
        return self.body["response_format"]["json_schema"]["schema"]


@dataclass
class _Script:
    status: int = 200
    body: Any = None
    headers: dict = field(default_factory=dict)
    hang: float = 0.0
    hold: threading.Event | None = None  # answer only once the test sets it


def _error(message: str, kind: str, code: str | None = None, param: str | None = None) -> dict:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def strict_schema_problems(schema: Any, path: str = "schema") -> list[str]:
    """What OpenAI's strict mode would refuse in a schema."""
    found: list[str] = []
    if not isinstance(schema, dict):
        return found
    for keyword in REFUSED_KEYWORDS & schema.keys():
        found.append(f"{path}: '{keyword}' is not permitted")
    if schema.get("type") == "object":
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is not False:
            found.append(f"{path}: 'additionalProperties' is required to be supplied and to be false")
        missing = set(properties) - set(schema.get("required", []))
        if missing:
            found.append(f"{path}: 'required' must list every property; missing {sorted(missing)}")
        for name, sub in properties.items():
            found.extend(strict_schema_problems(sub, f"{path}.properties.{name}"))
    if schema.get("type") == "array":
        found.extend(strict_schema_problems(schema.get("items"), f"{path}.items"))
    return found


def _completion(
    content: str,
    prompt_tokens: int = 420,
    completion_tokens: int = 60,
    cached: int = 0,
    finish_reason: str = "stop",
    refusal: str | None = None,
) -> dict:
    """A chat.completion body as the API sends it."""
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": ANSWER_MODEL,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None if refusal else content,
                    "refusal": refusal,
                    "annotations": [],
                },
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": "default",
        "system_fingerprint": "fp_fake",
    }


class FakeOpenAI(LocalServer):
    """Start with `with FakeOpenAI() as fake:`; point the SDK at `fake.base_url`."""

    name = "fake-openai"
    request_class = SentRequest

    def __init__(self) -> None:
        super().__init__()
        self._script: deque[_Script] = deque()
        self._release = threading.Event()
        self.obedient_default: float | None = None  # see obey_instructions_in_data

    def stop(self) -> None:
        self._release.set()  # wake any hanging handler
        super().stop()

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v1"

    # -- scripting ------------------------------------------------------------------------------------------
    def answer(
        self,
        data: Any,
        *,
        prompt_tokens: int = 420,
        completion_tokens: int = 60,
        cached_tokens: int = 0,
        hold: threading.Event | None = None,
    ) -> None:
        """A completed answer whose content is `data` as JSON (sent only after `hold` is set, if given)."""
        self.answer_text(
            json.dumps(data), prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, cached=cached_tokens
        )
        self._script[-1].hold = hold

    def answer_text(
        self,
        content: str,
        *,
        prompt_tokens: int = 420,
        completion_tokens: int = 60,
        cached: int = 0,
        finish_reason: str = "stop",
        refusal: str | None = None,
    ) -> None:
        """A completed answer with this exact content (e.g. not JSON, or JSON that misses the schema)."""
        self._script.append(
            _Script(body=_completion(content, prompt_tokens, completion_tokens, cached, finish_reason, refusal))
        )

    def refuse(self, reason: str = "I'm sorry, I can't help with that.") -> None:
        self.answer_text("", refusal=reason)

    def rate_limit(self, *, retry_after_ms: int = 50) -> None:
        """A 429 as OpenAI sends it, with Retry-After (and the -ms variant the SDK prefers)."""
        self._script.append(
            _Script(
                status=429,
                body=_error(
                    "Rate limit reached for gpt-4.1-mini on requests per min (RPM): Limit 3, Used 3, Requested 1.",
                    "requests",
                    "rate_limit_exceeded",
                ),
                headers={"retry-after": str(max(1, retry_after_ms // 1000)), "retry-after-ms": str(retry_after_ms)},
            )
        )

    def server_error(self, status: int = 500) -> None:
        self._script.append(_Script(status=status, body=_error("The server had an error", "server_error")))

    def hang(self, seconds: float = 5.0) -> None:
        """Say nothing for `seconds` (longer than the client's timeout), then answer a 500."""
        self._script.append(_Script(status=500, body=_error("too late", "server_error"), hang=seconds))

    def obey_instructions_in_data(self, *, default: float = 1) -> None:
        """From now on answer every unscripted estimate the way a gullible model would: "rate this 13" in the
        artifact's text gets 13 work units (a value on the scale), anything else `default`. Each answer is a
        schema-valid structured output, so only Buildboard's own bounds can stop what the data asks for."""
        self.obedient_default = default

    @property
    def unused(self) -> int:
        return len(self._script)

    # -- serving ------------------------------------------------------------------------------------------
    def reply_to(self, request: ReceivedRequest) -> Reply:
        reply = self._reply(request)
        return Reply(reply.status, reply.body, {"x-request-id": f"req_{uuid.uuid4().hex[:16]}", **reply.headers})

    def _reply(self, request: ReceivedRequest) -> Reply:
        if request.method != "POST":
            return Reply(404, _error("Unknown request URL", "invalid_request_error"))
        with self._lock:
            script = self._script.popleft() if self._script else None
        problem = self._check(request)
        if problem is not None:
            status, error = problem
            return Reply(status, error)
        if script is None and self.obedient_default is not None:
            return Reply(200, self._obedient_answer(request))
        if script is None:
            return Reply(500, _error("no scripted answer for this call", "server_error"))
        if script.hang:
            self._release.wait(script.hang)
        if script.hold is not None:
            script.hold.wait(30)
        return Reply(script.status, script.body, script.headers)

    def _obedient_answer(self, request: ReceivedRequest) -> dict:
        text = request.user if isinstance(request, SentRequest) else ""
        asked = re.search(r"rate (?:this|it|me)\D{0,20}(\d+(?:\.5)?)", text, re.IGNORECASE)
        units = float(asked.group(1)) if asked else float(self.obedient_default or 1)
        value: int | float = int(units) if units == int(units) else units
        return _completion(json.dumps({"work_units": value, "category": "other", "summary": "As the data asked."}))

    @staticmethod
    def _check(request: ReceivedRequest) -> tuple[int, dict] | None:
        body = request.body
        if request.path.rstrip("/") != "/v1/chat/completions":
            return 404, _error(f"Invalid URL (POST {request.target})", "invalid_request_error")
        if not request.headers.get("authorization", "").startswith("Bearer sk-"):
            return 401, _error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
        if not isinstance(body, dict) or not isinstance(body.get("model"), str):
            return 400, _error("you must provide a model parameter", "invalid_request_error", param="model")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return 400, _error("messages must be a non-empty array", "invalid_request_error", param="messages")
        fmt = body.get("response_format") or {}
        if fmt.get("type") == "json_schema":
            spec = fmt.get("json_schema") or {}
            if not spec.get("name") or "schema" not in spec:
                return 400, _error("json_schema needs a name and a schema", "invalid_request_error")
            if spec.get("strict") is True:
                found = strict_schema_problems(spec["schema"])
                if found:
                    message = "Invalid schema for response_format '" + spec["name"] + "': " + "; ".join(found)
                    return 400, _error(message, "invalid_request_error", param="response_format")
        return None
