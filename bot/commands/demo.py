"""`buildboard demo`."""

from __future__ import annotations

import argparse


def demo(args: argparse.Namespace) -> int:
    from bot.demo.run import run_demo

    return run_demo(people=args.people, keep=args.keep, show_all=args.all)
