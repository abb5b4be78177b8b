"""`buildboard digest`."""

from __future__ import annotations

import argparse

from bot.commands.common import CommandError, default_week, err, runtime
from bot.domain.periods import IsoWeek


def digest(args: argparse.Namespace) -> int:
    rt = runtime(read_only=args.dry_run)
    week = default_week(rt, args.week)
    now = rt.clock()
    current = IsoWeek.current(now, rt.settings.zone)
    unfinished = week.start >= current.start
    if unfinished and not args.dry_run:
        when = "has not started yet" if week.start > current.start else "is not over yet"
        raise CommandError(
            f"{week} {when}: a digest is posted for a complete week (the last one is "
            f"{IsoWeek.last_complete(now, rt.settings.zone)}); `--dry-run` shows {week} so far"
        )
    if not args.dry_run:
        rt.require_slack()
        if not rt.settings.digest_channel:
            raise CommandError("BUILDBOARD_DIGEST_CHANNEL is not set: set it to the channel id (like C0123456789)")
    from bot.domain.titles import TitleRulesError
    from bot.services.digest import run_digest

    try:
        outcome = run_digest(
            rt.sessions,
            None if args.dry_run else rt.sender,
            rt.settings,
            week=week,
            now=now,
            dry_run=args.dry_run,
            llm=rt.llm,
        )
    except TitleRulesError as exc:
        raise CommandError(f"{exc}; nothing was posted") from None
    if args.dry_run:
        from bot.slack.blocks.digest import digest_blocks
        from bot.slack.blocks.plain_text import render_message

        assert outcome.digest is not None
        if unfinished:
            state = "has not started yet" if week.start > current.start else "is not over yet"
            print(f"{week} so far: {week.label()} {state}; these are its figures up to now, nothing is posted\n")
        print(render_message({"blocks": digest_blocks(outcome.digest)}))
        return 0
    if outcome.status in ("posted", "already_posted"):
        print(outcome.message)
        return 0
    err(f"buildboard: digest for {week} not posted: {outcome.message}")
    return 1
