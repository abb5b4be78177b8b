"""`buildboard demo`."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.commands.common import CommandError, started

# The demo shows a manager's team, someone outside it, heavy users who share and three who answer their
# DM: below this size the synthetic organisation has not got them all (tested at exactly this size).
MIN_PEOPLE = 20
DEMO_DATABASE = "buildboard-demo.db"


def check_demo_args(people: int, keep: Path | None) -> None:
    """Refuse what the demo cannot do, before anything is imported or written."""
    if people < MIN_PEOPLE:
        raise CommandError(f"--people {people} is too few: the demo needs at least {MIN_PEOPLE} people")
    if keep is None:
        return
    if keep.exists() and not keep.is_dir():
        raise CommandError(f"--keep {keep}: that is an existing file; give a new or empty directory")
    if (keep / DEMO_DATABASE).exists():
        raise CommandError(
            f"--keep {keep} already holds a demo ({keep / DEMO_DATABASE}); give a new or empty directory, "
            "or delete that one"
        )


def demo(args: argparse.Namespace) -> int:
    keep = Path(args.keep) if args.keep else None
    check_demo_args(args.people, keep)
    from bot.demo.run import run_demo

    started()
    return run_demo(people=args.people, keep=keep, show_all=args.all)
