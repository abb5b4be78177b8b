"""The baseline for the HTTP benchmarks: a bare Bolt app that only acknowledges `/buildboard`,
served the same way as the real one (Bolt's WSGI adapter on waitress, same thread count)."""

from __future__ import annotations

import sys

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from waitress.server import create_server


def main(port: int, signing_secret: str, threads: int, api_url: str) -> None:
    app = App(
        client=WebClient(token="xoxb-bench", base_url=api_url),
        signing_secret=signing_secret,
        token_verification_enabled=False,
    )

    @app.command("/buildboard")
    def _ack(ack):
        ack()

    handler = SlackRequestHandler(app, path="/slack/events")
    create_server(handler, host="127.0.0.1", port=port, threads=threads, ident="bare").run()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4])
