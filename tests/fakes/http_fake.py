"""A tiny JSON HTTP server on 127.0.0.1:0 for provider fakes: routes, recorded requests, scripted faults."""

from __future__ import annotations

import base64
import json
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: list[tuple[str, str]]  # in order, repeated keys kept
    headers: dict = field(repr=False)  # carries the key: kept out of repr
    at: float  # time.monotonic()
    status: int = 0

    def values(self, name: str) -> list[str]:
        """All values of a query parameter, whether sent as `name[]=` or repeated `name=`."""
        return [v for k, v in self.query if k in (name, f"{name}[]")]

    def value(self, name: str) -> str | None:
        found = self.values(name)
        return found[-1] if found else None


@dataclass
class Fault:
    status: int
    body: dict
    headers: dict
    remaining: int
    when: Callable[[RecordedRequest], bool] | None = None


class ApiError(Exception):
    """An error answer: `body` as given, or the fake's error format around `message`."""

    def __init__(self, status: int, message: str = "", *, body: dict | None = None, headers: dict | None = None):
        super().__init__(status, message)
        self.status = status
        self.message = message
        self.body = body
        self.headers = headers or {}


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, what: str) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, number = text.partition(":")
        if kind != "offset":
            raise ValueError
        return int(number)
    except ValueError:
        raise ApiError(400, f"invalid {what} cursor") from None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    fake: FakeHttpServer


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self.server.fake._handle(self)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent."""


Route = Callable[[RecordedRequest], tuple[dict, dict]]  # → (JSON body, extra headers)


class FakeHttpServer:
    """Subclasses register routes (path → handler) and say how errors look on their wire."""

    name = "fake"

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[RecordedRequest] = []
        self.internal_errors: list[str] = []
        self._faults: dict[str, list[Fault]] = {}
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread: threading.Thread | None = None

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=self.name, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ test helpers

    def fail_next(
        self,
        path: str,
        status: int,
        *,
        times: int = 1,
        retry_after: str | None = None,
        when: Callable[[RecordedRequest], bool] | None = None,
    ) -> None:
        """The next `times` requests to `path` (those `when` accepts) answer `status`, with Retry-After if given."""
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        with self._lock:
            self._faults.setdefault(path, []).append(Fault(status, self.error_body(status), headers, times, when))

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path]

    # ------------------------------------------------------------------ wire format hooks

    def error_body(self, status: int, message: str | None = None) -> dict:
        raise NotImplementedError

    def check_auth(self, request: RecordedRequest) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ serving

    def _take_fault(self, request: RecordedRequest) -> Fault | None:
        with self._lock:
            queue = self._faults.get(request.path) or []
            for fault in queue:
                if fault.when is None or fault.when(request):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        queue.remove(fault)
                    return fault
            return None

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        request = RecordedRequest(
            method=handler.command,
            path=parts.path,
            query=parse_qsl(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in handler.headers.items()},
            at=time.monotonic(),
        )
        with self._lock:
            self.requests.append(request)
        try:
            self.check_auth(request)
            fault = self._take_fault(request)
            if fault is not None:
                raise ApiError(fault.status, body=fault.body, headers=fault.headers)
            route = self.routes.get(request.path)
            if route is None:
                raise ApiError(404, f"no route {request.path}")
            body, headers = route(request)
            self._send(handler, request, 200, body, headers)
        except ApiError as exc:
            body = exc.body if exc.body is not None else self.error_body(exc.status, exc.message)
            self._send(handler, request, exc.status, body, exc.headers)
        except Exception:
            self.internal_errors.append(traceback.format_exc())
            self._send(handler, request, 500, self.error_body(500, "fake crashed"), {})

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler, request: RecordedRequest, status: int, body: dict, headers: dict
    ) -> None:
        request.status = status
        data = json.dumps(body).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                handler.send_header(key, str(value))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
