"""`buildboard serve`: the bot, in HTTP mode or Socket Mode, with the scheduler unless --no-scheduler."""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from bot.commands.common import runtime
from bot.slack.app import create_app
from bot.slack.http import BuildboardWsgi, make_server
from bot.slack.identity import SlackIdentity

log = logging.getLogger(__name__)


ACK_SWITCH_INTERVAL = 0.001  # seconds


def serve(args: argparse.Namespace) -> int:
    rt = runtime()
    # Acks must reach Slack within 3 s while answers run on other threads of this process. With the
    # default 5 ms switch interval an ack waits up to 5 ms for the interpreter lock at every step a
    # busy answer thread holds it; 1 ms keeps acks quick under load (bench: /buildboard me).
    sys.setswitchinterval(ACK_SWITCH_INTERVAL)
    identity = SlackIdentity(rt.slack)
    app = create_app(rt, identity=identity)
    scheduler = None
    if not args.no_scheduler:
        from bot.jobs.schedule import JobScheduler

        # Every replica runs one; only the holder of the scheduler lease runs jobs (see bot/jobs/leader.py).
        scheduler = JobScheduler(rt)
        scheduler.start()
    try:
        if rt.settings.slack_app_token is not None:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            def stop_socket_mode(*_):
                raise KeyboardInterrupt

            signal.signal(signal.SIGTERM, stop_socket_mode)
            log.info("starting in Socket Mode")
            try:
                SocketModeHandler(app, rt.settings.slack_app_token.get_secret_value()).start()
            except KeyboardInterrupt:
                pass
            return 0
        port = args.port if args.port is not None else rt.settings.port
        holder = scheduler.lease.holder if scheduler is not None else None
        endpoint = BuildboardWsgi(
            app,
            rt.sessions,
            signing_secret=rt.settings.slack_signing_secret.get_secret_value(),
            clock=rt.clock,
            holder=holder,
            slack_api_status=identity.api_status,
        )
        server = make_server(endpoint, args.host, port, threads=args.threads)
        signal.signal(signal.SIGTERM, lambda *_: server.close())
        log.info("listening on http://%s:%d/slack/events", args.host, server.effective_port)
        try:
            server.run()
        except (KeyboardInterrupt, OSError):
            pass
        finally:
            server.close()
        return 0
    finally:
        if scheduler is not None:
            log.info("shutting down: finishing the current job, handing the scheduler lease over")
            scheduler.stop()
        rt.close()  # after the scheduler: its jobs use the sender
