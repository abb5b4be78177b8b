"""`buildboard evidence sync github`."""

from __future__ import annotations

import argparse

from bot.commands.common import CommandError, err, runtime, sessions_or_fail
from bot.domain.evidence import AiToolsError
from bot.ingest.provider_api import MissingKey


def evidence_sync(args: argparse.Namespace) -> int:
    from bot.services.evidence import sync_github_from_settings
    from bot.services.sync import default_window

    rt = runtime()
    now = rt.clock()
    until = args.until or default_window(now)[1]
    since = args.since or default_window(now, until=until)[0]
    if since > until:
        raise CommandError(f"--since {since} is after --until {until}")
    sessions = sessions_or_fail(rt)
    try:
        report = sync_github_from_settings(sessions, rt.settings, since, until, now)
    except (MissingKey, AiToolsError) as exc:
        raise CommandError(str(exc)) from None
    for line in report.summary_lines():
        print(line)
    if not report.ok:
        err(f"buildboard: evidence sync github failed: {report.error}")
        err(f"buildboard: retry with: {report.retry_command()}")
        return 1
    return 0
