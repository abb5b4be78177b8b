"""`buildboard demo`."""

from __future__ import annotations

import argparse

from bot.cli import command


@command("demo")
def demo(args: argparse.Namespace) -> int:
    from bot.demo.run import run_demo

    return run_demo(people=args.people, keep=args.keep)
