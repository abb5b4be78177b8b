"""`buildboard outbox send|status`."""

from __future__ import annotations

import argparse
import json

from bot.commands.common import err, runtime


def outbox_send(args: argparse.Namespace) -> int:
    rt = runtime()
    rt.require_slack()
    report = rt.sender.send_due(limit=args.limit)
    print(
        f"sent {report.sent}, found already posted {report.reconciled}, gave up on {report.failed}, "
        f"left for later {report.deferred}"
    )
    for line in report.errors:
        err(f"buildboard: {line}")
    return 1 if report.errors and not (report.sent or report.reconciled) else 0


def outbox_status(args: argparse.Namespace) -> int:
    from bot.db.engine import DatabaseUnavailable, NoDatabaseYet, SchemaNotCurrent
    from bot.services.health import readiness

    try:
        rt = runtime(read_only=True)
        sessions = rt.sessions
    except (DatabaseUnavailable, NoDatabaseYet, SchemaNotCurrent) as exc:
        # Still the JSON a monitor reads, the database marked failing; the reason on stderr.
        database = {NoDatabaseYet: "missing", SchemaNotCurrent: "schema not current"}.get(type(exc), "unreachable")
        print(json.dumps({"status": "unhealthy", "database": database}, indent=2))
        err(f"buildboard: {exc}")
        return 1
    status, body = readiness(sessions, rt.clock())
    print(json.dumps(body, indent=2))
    return 0 if status == 200 else 1
