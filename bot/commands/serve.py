"""`buildboard serve`: the bot, in HTTP mode or Socket Mode, with the scheduler unless --no-scheduler."""

from __future__ import annotations

import argparse
import errno
import logging
import signal
import socket
import sys

from bot.commands.common import CommandError, runtime

log = logging.getLogger(__name__)


ACK_SWITCH_INTERVAL = 0.001  # seconds
DEFAULT_HOST = "0.0.0.0"
DEFAULT_THREADS = 8


def serve(args: argparse.Namespace) -> int:
    rt = runtime(default_info=True)
    socket_mode = rt.settings.slack_app_token is not None
    # Settings first, in one line each: nothing is imported, opened or started for a bot that cannot run.
    rt.require_slack(signing_secret=not socket_mode)
    ignored = [f"--{name}" for name in ("host", "port", "threads") if getattr(args, name) is not None]
    if socket_mode and ignored:
        raise CommandError(
            f"{', '.join(ignored)}: only for HTTP mode; SLACK_APP_TOKEN is set, so the bot connects in Socket Mode"
        )
    host = args.host if args.host is not None else DEFAULT_HOST
    threads = args.threads if args.threads is not None else DEFAULT_THREADS
    port = args.port if args.port is not None else rt.settings.port
    if not 0 <= port <= 65535:
        raise CommandError(f"PORT={port} is not a port number (1 to 65535)")

    from bot.slack.app import create_app
    from bot.slack.http import BuildboardWsgi, make_server
    from bot.slack.identity import SlackIdentity
    from bot.slack.replay import ReplayGuard

    rt.sessions  # noqa: B018  (a database that cannot be used fails here, in one line, before anything starts)
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
    server = None
    if not socket_mode:
        assert rt.settings.slack_signing_secret is not None
        endpoint = BuildboardWsgi(
            app,
            rt.sessions,
            signing_secret=rt.settings.slack_signing_secret.get_secret_value(),
            clock=rt.clock,
            holder=scheduler.lease.holder if scheduler is not None else None,
            slack_api_status=identity.api_status,
            replays=ReplayGuard(rt.quick_writes_engine),
        )
        try:  # bound before the scheduler starts: a port in use stops here, with nothing to undo
            server = make_server(endpoint, host, port, threads=threads)
        except OSError as exc:
            rt.close()
            raise CommandError(_bind_failure(host, port, exc)) from None
    if scheduler is not None:
        scheduler.start()
    try:
        if server is None:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            def stop_socket_mode(*_):
                raise KeyboardInterrupt

            signal.signal(signal.SIGTERM, stop_socket_mode)
            log.info("starting in Socket Mode")
            assert rt.settings.slack_app_token is not None
            try:
                SocketModeHandler(app, rt.settings.slack_app_token.get_secret_value()).start()
            except KeyboardInterrupt:
                pass
            return 0
        signal.signal(signal.SIGTERM, lambda *_: server.close())
        log.info("listening on http://%s:%s/slack/events", host, server.effective_port)
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


def _bind_failure(host: str, port: int, exc: OSError) -> str:
    where = f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} is already in use ({where}): stop what uses it, or choose another with --port or PORT"
    if exc.errno == errno.EACCES:
        return f"not allowed to listen on {where} (ports below 1024 need privileges): choose another with --port"
    if exc.errno == errno.EADDRNOTAVAIL or isinstance(exc, socket.gaierror):
        return f"cannot listen on {where}: {host} is not an address of this machine (--host)"
    return f"cannot listen on {where}: {exc.strerror or exc}"
