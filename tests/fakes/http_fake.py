"""Provider fakes' common part: JSON routes by path on the shared local server, errors in each provider's format."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.demo.standin.local_server import (
    LocalServer,
    ReceivedRequest,
    Reply,
    ScriptedFaults,
    decode_offset_cursor,
)


class ApiError(Exception):
    """An error answer: `body` as given, or the fake's error format around `message`."""

    def __init__(self, status: int, message: str = "", *, body: dict | None = None, headers: dict | None = None):
        super().__init__(status, message)
        self.status = status
        self.message = message
        self.body = body
        self.headers = headers or {}


@dataclass(frozen=True)
class Fault:
    status: int
    body: dict
    headers: dict = field(default_factory=dict)


def decode_cursor(cursor: str | None, what: str) -> int:
    try:
        return decode_offset_cursor(cursor)
    except ValueError:
        raise ApiError(400, f"invalid {what} cursor") from None


Route = Callable[[ReceivedRequest], tuple[dict, dict]]  # → (JSON body, extra headers)


class FakeHttpServer(LocalServer):
    """Subclasses register GET routes (path → handler) and say how errors look on their wire."""

    name = "fake"

    def __init__(self) -> None:
        super().__init__()
        self.routes: dict[str, Route] = {}
        self._faults: ScriptedFaults[Fault] = ScriptedFaults()

    # ------------------------------------------------------------------ test helpers

    def fail_next(
        self,
        path: str,
        status: int,
        *,
        times: int = 1,
        retry_after: str | None = None,
        when: Callable[[ReceivedRequest], bool] | None = None,
    ) -> None:
        """The next `times` requests to `path` (those `when` accepts) answer `status`, with Retry-After if given."""
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        self._faults.add(path, Fault(status, self.error_body(status), headers), times=times, when=when)

    # ------------------------------------------------------------------ wire format hooks

    def error_body(self, status: int, message: str | None = None) -> dict:
        raise NotImplementedError

    def check_auth(self, request: ReceivedRequest) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ serving

    def reply_to(self, request: ReceivedRequest) -> Reply:
        try:
            self.check_auth(request)
            fault = self._faults.take(request.path, request)
            if fault is not None:
                return Reply(fault.status, fault.body, fault.headers)
            route = self.routes.get(request.path)
            if route is None or request.method != "GET":
                raise ApiError(404, f"no route {request.method} {request.path}")
            body, headers = route(request)
            return Reply(200, body, headers)
        except ApiError as exc:
            body = exc.body if exc.body is not None else self.error_body(exc.status, exc.message)
            return Reply(exc.status, body, exc.headers)

    def crash_reply(self) -> Reply:
        return Reply(500, self.error_body(500, "fake crashed"))
