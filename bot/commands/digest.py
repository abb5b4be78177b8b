"""`buildboard digest`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.commands.common import CommandError, default_week, err, runtime
from bot.domain.periods import IsoWeek

if TYPE_CHECKING:
    from bot.services.digest import DigestOutcome


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
        rt.require_slack()  # and run_digest, before anything else, BUILDBOARD_DIGEST_CHANNEL
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
        assert outcome.digest is not None
        if unfinished:
            state = "has not started yet" if week.start > current.start else "is not over yet"
            print(f"{week} so far: {week.label()} {state}; these are its figures up to now, nothing is posted\n")
        _print_dry_run(outcome, rt.settings.digest_channel)
        return 0
    if outcome.status in ("posted", "already_posted"):
        print(outcome.message)
        if outcome.status == "posted" and rt.llm is None:
            from bot.llm.client import llm_status

            # The channel hears only that AI is off; the setting to change is for the operator.
            print(f"the week's summary was built from the numbers: {llm_status(rt.settings)}")
        return 0
    err(f"buildboard: digest for {week} not posted: {outcome.message}")
    return 1


def _print_dry_run(outcome: DigestOutcome, channel: str | None) -> None:
    """The three messages the digest would post, as a person reads them (names, not Slack ids)."""
    from bot.slack.blocks.digest import chart_comment, digest_blocks, mentioned_names, team_thread_blocks
    from bot.slack.blocks.plain_text import render_message

    digest = outcome.digest
    assert digest is not None
    week = digest.week
    where = f"in {channel}" if channel else "once BUILDBOARD_DIGEST_CHANNEL is set"
    if outcome.posted_at is not None:
        print(
            f"The digest for {week} was already posted {where} on {outcome.posted_at:%Y-%m-%d %H:%M} UTC: "
            "`buildboard digest` would post nothing. As it would read now (a dry run):"
        )
    else:
        print(f"The digest for {week} that `buildboard digest` would post {where} (a dry run: nothing posted).")
    names = mentioned_names(digest)
    print("\n=== Message in the channel ===")
    print(render_message({"blocks": digest_blocks(digest)}, names))
    print("\n=== Thread reply: per-team detail ===")
    print(render_message({"blocks": team_thread_blocks(digest)}, names))
    print(f"\n=== Thread reply: chart buildboard-{week}.png, with the caption ===")
    print(chart_comment(digest))
