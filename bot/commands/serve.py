"""`buildboard serve`: the bot, in HTTP mode or Socket Mode."""

from __future__ import annotations

import argparse
import logging
import signal

from bot.cli import command
from bot.commands.common import runtime
from bot.slack.app import create_app
from bot.slack.deps import Deps
from bot.slack.http import BuildboardWsgi, make_server

log = logging.getLogger(__name__)


@command("serve")
def serve(args: argparse.Namespace) -> int:
    rt = runtime()
    deps = Deps(settings=rt.settings, sessions=rt.sessions, client=rt.slack, clock=rt.clock, llm=rt.llm)
    app = create_app(deps)
    if rt.settings.slack_app_token is not None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        log.info("starting in Socket Mode")
        SocketModeHandler(app, rt.settings.slack_app_token.get_secret_value()).start()
        return 0
    port = args.port or rt.settings.port
    server = make_server(BuildboardWsgi(app, rt.sessions), args.host, port, threads=args.threads)
    signal.signal(signal.SIGTERM, lambda *_: server.close())
    log.info("listening on http://%s:%d/slack/events", args.host, port)
    try:
        server.run()
    except (KeyboardInterrupt, OSError):
        pass
    finally:
        server.close()
    return 0
