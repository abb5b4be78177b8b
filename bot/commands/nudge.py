"""`buildboard nudge`: queue the week's "what did you build?" DMs and send them now."""

from __future__ import annotations

import argparse

from bot.commands.common import default_week, err, runtime
from bot.domain.delivery import HeldClaims
from bot.domain.money import format_tokens, format_usd
from bot.domain.text import plural


def nudge(args: argparse.Namespace) -> int:
    rt = runtime(read_only=args.dry_run)
    week = default_week(rt, args.week)
    if not args.dry_run:
        rt.require_slack()
    from bot.services.nudges import queue_nudges, send_week, undelivered

    now = rt.clock()
    report = queue_nudges(rt.sessions, rt.settings, week, now, at_local_hour=False, dry_run=args.dry_run)
    if args.dry_run:
        print(f"{plural(len(report.planned), 'person', 'people')} would be asked what they built in {week}:")
        for plan in report.planned:
            c = plan.choice
            print(
                f"  #{c.rank} {plan.name or '?'} <{plan.email or '?'}>: {format_tokens(c.tokens)} tokens, "
                f"{format_usd(c.spend_usd)} ({c.reason.replace('_', ' ')})"
            )
        return 0

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
