"""HTTP mode: one WSGI app with `/slack/events` (Bolt, signature-checked), `/healthz` and `/readyz`."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.clock import Clock, system_clock
from bot.services.health import health, readiness

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"


class BuildboardWsgi:
    """Routes `/healthz` and `/readyz` here and everything else to Bolt."""

    def __init__(
        self,
        app: App,
        sessions: sessionmaker[Session],
        extra_routes: dict[str, Callable[[], tuple[int, dict]]] | None = None,
        *,
        clock: Clock = system_clock,
        holder: str | None = None,
    ) -> None:
        self._bolt = SlackRequestHandler(app, path=EVENTS_PATH)
        self._routes = {
            "/healthz": lambda: health(sessions),
            "/readyz": lambda: readiness(sessions, clock(), holder=holder),
            **(extra_routes or {}),
        }

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        route = self._routes.get(path)
        if route is not None and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            status, body = route()
            payload = json.dumps(body).encode()
            reason = {200: "OK", 503: "Service Unavailable"}.get(status, "OK")
            start_response(
                f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
            )
            return [payload]
        return self._bolt(environ, start_response)


def make_server(wsgi_app, host: str, port: int, threads: int = 8):
    """A production WSGI server (waitress). Call .run(); .close() stops it."""
    from waitress.server import create_server

    return create_server(wsgi_app, host=host, port=port, threads=threads, ident="buildboard")
