"""`buildboard usage sync openai|anthropic|claude-code|cursor|copilot`."""

from __future__ import annotations

import argparse
from typing import TextIO

from bot.commands.common import CommandError, TerminalLine, err, requested_window, runtime, sessions_or_fail
from bot.ingest.provider_api import MissingKey


class TerminalProgress(TerminalLine):
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    WIDTH = 30

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self.label = label

    def __call__(self, done: int, total: int) -> None:
        if total > 0:
            filled = self.WIDTH * done // total
            self.draw(f"{self.label} [{'#' * filled}{'-' * (self.WIDTH - filled)}] {done}/{total} days")


def usage_sync(args: argparse.Namespace) -> int:
    # The provider SDKs are large: only `usage sync` pays for importing them.
    from bot.services.sync import sync_provider

    rt = runtime()
    now = rt.clock()
    since, until = requested_window(args, now)
    sessions = sessions_or_fail(rt)
    progress = TerminalProgress(f"{args.provider} {since}..{until}")
    try:
        report = sync_provider(args.provider, sessions, rt.settings, since, until, now, on_progress=progress)
    except (MissingKey, ValueError) as exc:
        raise CommandError(str(exc)) from None
    finally:
        progress.close()
    for line in report.summary_lines():
        print(line)
    for model, tokens in sorted(report.unpriced_models.items()):
        err(
            f"buildboard: warning: model {model!r} is not in the price table; {tokens:,} tokens left unpriced. "
            "Add it with BUILDBOARD_PRICES_FILE, then sync these days again."
        )
    if not report.ok:
        err(f"buildboard: usage sync {args.provider} failed: {report.error}")
        err(f"buildboard: retry with: {report.retry_command()}")
        return 1
    return 0
