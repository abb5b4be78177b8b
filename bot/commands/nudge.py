"""`buildboard nudge`: queue the week's "what did you build?" DMs and send them now."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING

from bot.commands.common import default_week, err, runtime
from bot.domain.delivery import HeldClaims
from bot.domain.money import format_tokens, format_usd
from bot.domain.periods import IsoWeek
from bot.domain.text import plural

if TYPE_CHECKING:
    from bot.runtime import Runtime


def nudge(args: argparse.Namespace) -> int:
    rt = runtime(read_only=args.dry_run)
    week = default_week(rt, args.week)
    if not args.dry_run:
        rt.require_slack()
    from bot.services.nudges import queue_nudges, send_week, undelivered

    now = rt.clock()
    if args.dry_run:
        return _dry_run(rt, week, now)
    report = queue_nudges(rt.sessions, rt.settings, week, now, at_local_hour=False)

    def waiting(held: HeldClaims) -> None:
        print(
            f"waiting for another sender's claims on {held.count} DMs to run out "
            f"(until {held.until:%H:%M:%S} UTC), then sending what is left",
            flush=True,
        )

    delivery = send_week(rt.sessions, rt.sender, week, now, on_wait=waiting)
    with rt.sessions() as session:
        left = undelivered(session, week, rt.clock())
    print(
        f"nudges for {week}: {plural(len(report.planned), 'person', 'people')} chosen, {report.queued} newly queued, "
        f"{report.already} queued earlier; {plural(delivery.sent, 'DM')} sent now"
        + (f", {delivery.reconciled} found already sent" if delivery.reconciled else "")
        + (f", {delivery.deferred} deferred (retried on the next run)" if delivery.deferred else "")
        + (f", {delivery.failed} failed" if delivery.failed else "")
    )
    for problem in delivery.errors:
        err(f"buildboard: {problem}")
    if left:
        # Never a success while DMs of the week are due and unsent: the operator must know to run it again.
        err(
            f"buildboard: {plural(left, 'DM')} of {week} {'is' if left == 1 else 'are'} due and not sent yet; "
            "run `buildboard nudge` again"
        )
        return 1
    return 1 if delivery.failed or (delivery.errors and not delivery.sent) else 0


def _dry_run(rt: Runtime, week: IsoWeek, now: datetime) -> int:
    from bot.services.nudges import dry_run_nudges

    result = dry_run_nudges(rt.sessions, rt.settings, week, now)
    count = len(result.would_dm)
    print(
        f"{count} {'person' if count == 1 else 'people'} would get a DM now asking what they built in {week} "
        "(a dry run: nothing sent)" + (":" if count else "")
    )
    for plan in result.would_dm:
        c = plan.choice
        print(
            f"  #{c.rank} {plan.name or '?'} <{plan.email or '?'}>: {format_tokens(c.tokens)} tokens, "
            f"{format_usd(c.spend_usd)} ({c.reason.replace('_', ' ')})"
        )
    if result.left_out:
        reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(result.left_out.items()))
        left = sum(result.left_out.values())
        print(f"{left} more {'was' if left == 1 else 'were'} chosen for {week} and left out: {reasons}")
    return 0
