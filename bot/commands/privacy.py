"""`buildboard forget EMAIL` and `buildboard retention`: the data-protection commands (operators only)."""

from __future__ import annotations

import argparse

from bot.commands.common import CommandError, runtime, sessions_or_fail
from bot.domain.text import plural


def forget_person(args: argparse.Namespace) -> int:
    if args.finish and args.email:
        raise CommandError("give an email or --finish, not both")
    if not args.finish and not args.email:
        raise CommandError("give the email of the person to forget (or --finish)")
    if not args.finish and "@" not in args.email:
        raise CommandError(f"{args.email!r} is not an email address: give the email the person was imported with")
    from bot.services.erasure import UnknownPerson, delete_forgotten_showcases, forget, posts_left_warning

    rt = runtime()
    if args.finish:
        deleted, left = delete_forgotten_showcases(sessions_or_fail(rt), rt.post_remover)
        print(f"deleted {plural(deleted, 'showcase post')} of forgotten people from Slack")
        if left:
            print(posts_left_warning(left, without_client=rt.post_remover is None))
            return 1
        return 0
    try:
        report = forget(sessions_or_fail(rt), email=args.email, now=rt.clock(), posts=rt.post_remover)
    except UnknownPerson as exc:
        raise CommandError(str(exc)) from None
    print(f"forgot {args.email.strip().lower()}; removed:")
    for line in report.lines():
        print(f"  {line}")
    return 0


def retention(args: argparse.Namespace) -> int:
    from bot.services.retention import run_retention

    rt = runtime(read_only=args.dry_run)
    report = run_retention(sessions_or_fail(rt), rt.settings, rt.clock(), dry_run=args.dry_run)
    print(report.summary())
    return 0
