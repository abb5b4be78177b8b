"""HTTP mode: one WSGI app with `/slack/events` (Bolt, signature-checked), `/healthz` and `/readyz`.

`/slack/events` faces the internet, so everything Slack does not sign is refused here, before Bolt
parses a byte: bodies over 1 MiB (413, before they are read), missing or bad signatures and
timestamps outside Slack's 5-minute window (401), signed requests already answered (200, nothing
done), and signed bodies Bolt could not parse (400). Bolt's own signature check stays as a second line.
Nothing of a request's body, tokens or signature is ever logged.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_normalized_headers, extract_content_type, parse_body
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.clock import Clock, system_clock
from bot.services.health import health, readiness
from bot.slack.replay import ReplayGuard

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 1024 * 1024  # Slack's payloads are a few KB; a view submission stays far below this
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 413: "Payload Too Large", 503: "Service Unavailable"}


class BuildboardWsgi:
    """Routes `/healthz` and `/readyz` here, signed POSTs to `/slack/events` to Bolt, the rest to Bolt's 404."""

    def __init__(
        self,
        app: App,
        sessions: sessionmaker[Session],
        extra_routes: dict[str, Callable[[], tuple[int, dict]]] | None = None,
        *,
        signing_secret: str,
        clock: Clock = system_clock,
        holder: str | None = None,
        slack_api_status: Callable[[], str] | None = None,
        replays: ReplayGuard,
    ) -> None:
        self._app = app
        self._bolt = SlackRequestHandler(app, path=EVENTS_PATH)
        self._verifier = SignatureVerifier(signing_secret)
        self._replays = replays  # `buildboard serve`'s records through Runtime.quick_writes_engine
        self._routes = {
            "/healthz": lambda: health(sessions, slack_api_status=slack_api_status),
            "/readyz": lambda: readiness(sessions, clock(), holder=holder, slack_api_status=slack_api_status),
            **(extra_routes or {}),
        }

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD")
        route = self._routes.get(path)
        if route is not None and method in ("GET", "HEAD"):
            status, body = route()
            return _answer(start_response, status, json.dumps(body).encode(), "application/json")
        if path == EVENTS_PATH and method == "POST":
            return self._slack_event(environ, start_response)
        return self._bolt(environ, start_response)

    def _slack_event(self, environ, start_response) -> Iterable[bytes]:
        length = environ.get("CONTENT_LENGTH") or "0"  # waitress sets it for a chunked body it has de-chunked
        if not (length.isascii() and length.isdigit()):
            return _refuse(start_response, 400, "bad Content-Length")
        if int(length) > MAX_BODY_BYTES:
            return _refuse(start_response, 413, "body over 1 MiB")
        raw = environ["wsgi.input"].read(int(length))
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
        if not self._signed(raw, timestamp, signature):
            return _refuse(start_response, 401, "missing or invalid Slack signature")
        if not self._replays.first_time(int(timestamp), signature):
            # A replay, or a retry that reused the signature of a request already being handled:
            # 200 with nothing done, so Slack stops retrying and the user sees no error.
            log.info("a signed Slack request was received again: answered once already")
            return _answer(start_response, 200, b"", "text/plain;charset=utf-8")
        request = WsgiHttpRequest(environ)
        try:
            body = raw.decode("utf-8")
            headers = request.get_headers()
            if not isinstance(parse_body(body, extract_content_type(build_normalized_headers(headers))), dict):
                raise ValueError("the payload is not a JSON object")
            bolt_request = BoltRequest(body=body, query=request.query_string, headers=headers)
        # Building the request only parses it: any of these is a payload of the wrong shape, not a bug of ours.
        except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
            return _refuse(start_response, 400, f"signed but malformed payload ({type(exc).__name__})")
        response = self._app.dispatch(bolt_request)
        http = WsgiHttpResponse(status=response.status, headers=response.headers, body=response.body)
        start_response(http.status, http.get_headers())
        return http.get_body()

    def _signed(self, raw: bytes, timestamp: str, signature: str) -> bool:
        if not (timestamp.isascii() and timestamp.isdigit() and signature):
            return False
        try:
            return self._verifier.is_valid(raw, timestamp, signature)
        except UnicodeDecodeError:  # Slack signs UTF-8 text: anything else is not from Slack
            return False


def _answer(start_response, status: int, payload: bytes, content_type: str) -> list[bytes]:
    start_response(
        f"{status} {REASONS.get(status, 'OK')}",
        [("Content-Type", content_type), ("Content-Length", str(len(payload)))],
    )
    return [payload]


def _refuse(start_response, status: int, reason: str) -> list[bytes]:
    log.info("refused a request to %s with %d: %s", EVENTS_PATH, status, reason)
    return _answer(start_response, status, REASONS[status].encode(), "text/plain;charset=utf-8")


def make_server(wsgi_app, host: str, port: int, threads: int = 8):
    """A production WSGI server (waitress). Call .run(); .close() stops it."""
    from waitress.server import create_server

    # waitress answers 413 itself, before the app runs, for a body at or over this size (a declared
    # Content-Length, or a chunked body as it arrives), and closes the connection without reading the rest.
    return create_server(
        wsgi_app,
        host=host,
        port=port,
        threads=threads,
        ident="buildboard",
        max_request_body_size=MAX_BODY_BYTES + 1,
    )


def stop_from_another_thread(server) -> None:
    """Stop a server whose run() loop is on another thread, without closing sockets under its select().

    Closing them from here races the loop (select() on a closed descriptor: EBADF). The trigger runs
    the close inside the loop's own thread instead; the loop ends once nothing is left to watch.
    """
    from waitress import wasyncore

    try:
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
    except OSError:  # the loop, woken by a finished task, ran the close before our wake-up was written
        pass
    server.task_dispatcher.shutdown()
