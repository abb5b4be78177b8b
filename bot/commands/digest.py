"""`buildboard digest`."""

from __future__ import annotations

import argparse

from bot.commands.common import CommandError, default_week, err, runtime
from bot.domain.titles import TitleRulesError
from bot.services.digest import run_digest
from bot.slack.blocks.digest import digest_blocks
from bot.slack.blocks.plain_text import render_message


def digest(args: argparse.Namespace) -> int:
    rt = runtime()
    week = default_week(rt, args.week)
    if not args.dry_run:
        rt.require_slack()
        if not rt.settings.digest_channel:
            raise CommandError("BUILDBOARD_DIGEST_CHANNEL is not set: set it to the channel id (like C0123456789)")
    try:
        outcome = run_digest(
            rt.sessions,
            None if args.dry_run else rt.sender,
            rt.settings,
            week=week,
            now=rt.clock(),
            dry_run=args.dry_run,
            llm=rt.llm,
        )
    except TitleRulesError as exc:
        raise CommandError(f"{exc}; nothing was posted") from None
    if args.dry_run:
        assert outcome.digest is not None
        print(render_message({"blocks": digest_blocks(outcome.digest)}))
        return 0
    if outcome.status in ("posted", "already_posted"):
        print(outcome.message)
        return 0
    err(f"buildboard: digest for {week} not posted: {outcome.message}")
    return 1
