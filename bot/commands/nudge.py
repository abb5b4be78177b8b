"""`buildboard nudge`: queue the week's "what did you build?" DMs and send them now."""

from __future__ import annotations

import argparse

from bot.commands.common import default_week, err, runtime
from bot.domain.money import format_tokens, format_usd
from bot.services.nudges import queue_nudges, send_week


def nudge(args: argparse.Namespace) -> int:
    rt = runtime()
    week = default_week(rt, args.week)
    if not args.dry_run:
        rt.require_slack()
    now = rt.clock()
    report = queue_nudges(rt.sessions, rt.settings, week, now, at_local_hour=False, dry_run=args.dry_run)
    if args.dry_run:
        print(f"{len(report.planned)} people would be asked what they built in {week}:")
        for plan in report.planned:
            c = plan.choice
            print(
                f"  #{c.rank} {plan.name or '?'} <{plan.email or '?'}>: {format_tokens(c.tokens)} tokens, "
                f"{format_usd(c.spend_usd)} ({c.reason.replace('_', ' ')})"
            )
        return 0
    delivery = send_week(rt.sessions, rt.sender, week, now)
    print(
        f"nudges for {week}: {len(report.planned)} people chosen, {report.queued} newly queued, "
        f"{report.already} queued earlier; {delivery.sent} DMs sent now"
        + (f", {delivery.reconciled} found already sent" if delivery.reconciled else "")
        + (f", {delivery.deferred} deferred (retried on the next run)" if delivery.deferred else "")
        + (f", {delivery.failed} failed" if delivery.failed else "")
    )
    for problem in delivery.errors:
        err(f"buildboard: {problem}")
    return 1 if delivery.failed or (delivery.errors and not delivery.sent) else 0
