"""A threaded HTTP server on 127.0.0.1:<free port> that records requests and answers JSON.

The base of the demo's Slack stand-in and of the tests' provider fakes (OpenAI, Anthropic): each
subclass says how to reply to a request; binding, serving, recording, scripted faults, cursors,
writing the reply and catching its own crashes are done here once. Stdlib only.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Generic, Self, TypeVar
from urllib.parse import parse_qsl, urlsplit


@dataclass
class ReceivedRequest:
    """One HTTP request as the server read it, and the status it was answered with."""

    method: str  # the HTTP verb
    target: str  # path and query, as sent
    headers: dict[str, str] = field(repr=False)  # names lower-cased; may carry a key: kept out of repr
    raw_body: bytes = field(repr=False)
    at: float  # time.monotonic() when it arrived
    status: int = 0  # set once answered

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query_string(self) -> str:
        return urlsplit(self.target).query

    @cached_property
    def query(self) -> list[tuple[str, str]]:
        """Query parameters in order, repeated keys kept."""
        return parse_qsl(self.query_string, keep_blank_values=True)

    def values(self, name: str) -> list[str]:
        """All values of a query parameter, whether sent as `name[]=` or repeated `name=`."""
        return [v for k, v in self.query if k in (name, f"{name}[]")]

    def value(self, name: str) -> str | None:
        found = self.values(name)
        return found[-1] if found else None

    @cached_property
    def body(self) -> Any:
        """The body parsed as JSON (None when empty), or as text when it is not JSON."""
        try:
            return json.loads(self.raw_body or b"null")
        except ValueError:
            return self.raw_body.decode(errors="replace")


@dataclass
class Reply:
    """What to send back: a JSON-able body (a str is sent as text/plain) and extra headers."""

    status: int
    body: Any
    headers: Mapping[str, object] = field(default_factory=dict)


FaultT = TypeVar("FaultT")


@dataclass
class _QueuedFault(Generic[FaultT]):
    fault: FaultT
    remaining: int
    when: Callable[[ReceivedRequest], bool] | None


class ScriptedFaults(Generic[FaultT]):
    """Faults queued per route (a path, a Web API method): each answers the next `times` matching requests."""

    def __init__(self) -> None:
        self._queues: dict[str, list[_QueuedFault[FaultT]]] = {}
        self._lock = threading.Lock()

    def add(
        self, route: str, fault: FaultT, *, times: int = 1, when: Callable[[ReceivedRequest], bool] | None = None
    ) -> None:
        with self._lock:
            self._queues.setdefault(route, []).append(_QueuedFault(fault, times, when))

    def clear(self) -> None:
        """Drop every fault still queued: the service has recovered."""
        with self._lock:
            self._queues.clear()

    def take(self, route: str, request: ReceivedRequest) -> FaultT | None:
        """The first fault queued for `route` that accepts `request`, used up once; None when there is none."""
        with self._lock:
            queue = self._queues.get(route) or []
            for queued in queue:
                if queued.when is None or queued.when(request):
                    queued.remaining -= 1
                    if queued.remaining <= 0:
                        queue.remove(queued)
                    return queued.fault
            return None


def encode_offset_cursor(offset: int) -> str:
    """An opaque page cursor, as APIs hand them out."""
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def decode_offset_cursor(cursor: object) -> int:
    """The offset inside a cursor from `encode_offset_cursor` (0 for none); ValueError when it is not one."""
    if not cursor:
        return 0
    text = str(cursor)
    try:
        kind, _, offset = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode().partition(":")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"not a cursor: {text!r}") from exc
    if kind != "offset":
        raise ValueError(f"not a cursor: {text!r}")
    return int(offset)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    local: LocalServer


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self.server.local._serve(self)

    def do_POST(self) -> None:
        self.server.local._serve(self)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the default prints every request to stderr."""


class LocalServer:
    """Serves on 127.0.0.1 once started; subclasses implement `reply_to` (and may override `crash_reply`).

    The port is bound in __init__, so `port` and `origin` are known before `start()`.
    Every request is kept in `requests`; an exception inside `reply_to` is a bug in the server, not
    in its client: its traceback goes to `internal_errors` and the client gets `crash_reply()`.
    """

    name: ClassVar[str] = "local-server"
    request_class: ClassVar[type[ReceivedRequest]] = ReceivedRequest

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.requests: list[ReceivedRequest] = []
        self.internal_errors: list[str] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.local = self
        self.port: int = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        """Start serving in a daemon thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=self.name, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def requests_to(self, path: str) -> list[ReceivedRequest]:
        """Every request to `path` so far, oldest first."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    # ------------------------------------------------------------------ for subclasses

    def reply_to(self, request: ReceivedRequest) -> Reply:
        raise NotImplementedError

    def crash_reply(self) -> Reply:
        return Reply(500, {"error": "internal_error"})

    # ------------------------------------------------------------------ serving

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        request = self.request_class(
            method=handler.command,
            target=handler.path,
            headers={name.lower(): value for name, value in handler.headers.items()},
            raw_body=handler.rfile.read(length) if length else b"",
            at=time.monotonic(),
        )
        with self._lock:
            self.requests.append(request)
        try:
            reply = self.reply_to(request)
        except Exception:
            self.internal_errors.append(traceback.format_exc())
            reply = self.crash_reply()
        request.status = reply.status
        _write(handler, reply)


def _write(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
    if isinstance(reply.body, str):
        data = reply.body.encode("utf-8")
        content_type = "text/plain; charset=utf-8"
    else:
        data = json.dumps(reply.body).encode("utf-8")
        content_type = "application/json; charset=utf-8"
    try:
        handler.send_response(reply.status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        for name, value in reply.headers.items():
            handler.send_header(name, str(value))
        handler.end_headers()
        handler.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client gave up waiting (a scripted delay or hang): nobody to answer
