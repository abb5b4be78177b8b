"""`buildboard evidence sync github`."""

from __future__ import annotations

import argparse

from bot.commands.common import CommandError, err, requested_window, runtime, sessions_or_fail
from bot.domain.evidence import AiToolsError
from bot.ingest.provider_api import MissingKey


def evidence_sync(args: argparse.Namespace) -> int:
    from bot.services.evidence import sync_github_from_settings

    rt = runtime()
    now = rt.clock()
    since, until = requested_window(args, now)
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
