"""The `buildboard` command. Thin: parse arguments, call a service, print the outcome."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from bot.domain.periods import IsoWeek

COMMANDS: dict[tuple[str, ...], Callable[[argparse.Namespace], int]] = {}


class CommandError(Exception):
    """A problem the user can fix; printed as one line on stderr."""


def week_arg(text: str) -> IsoWeek:
    try:
        return IsoWeek.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def date_arg(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-23") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="buildboard", description="Show what you built: AI spend → output.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="run the whole flow on a synthetic organisation, no Slack account needed")
    demo.add_argument("--people", type=int, default=240, help="size of the synthetic organisation (default 240)")
    demo.add_argument("--keep", metavar="DIR", help="keep the demo database and files in DIR")

    serve = sub.add_parser("serve", help="run the bot (Socket Mode if SLACK_APP_TOKEN is set, else HTTP)")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=None, help="default: PORT or 3000")
    serve.add_argument("--no-scheduler", action="store_true", help="answer Slack only; run no scheduled jobs")
    serve.add_argument("--threads", type=int, default=8)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply migrations (alembic upgrade head)")
    db_sub.add_parser(
        "rebuild-rollup", help="recompute usage_weekly from usage_daily (after loading usage_daily by hand)"
    )

    org = sub.add_parser("org", help="the org chart")
    org_sub = org.add_subparsers(dest="org_command", required=True, metavar="ACTION")
    org_import = org_sub.add_parser("import", help="import people from CSV: email,name,team,manager_email[,…]")
    org_import.add_argument("file", type=Path)

    usage = sub.add_parser("usage", help="AI usage")
    usage_sub = usage.add_subparsers(dest="usage_command", required=True, metavar="ACTION")
    usage_import = usage_sub.add_parser("import", help="import usage from CSV or JSON Lines")
    usage_import.add_argument("file", type=Path)
    usage_import.add_argument(
        "--strict",
        action="store_true",
        help="refuse emails that are not in the people file (default: keep as unmatched)",
    )

    usage_sync = usage_sub.add_parser("sync", help="pull usage from a provider's admin API (default: the last 3 days)")
    usage_sync.add_argument("provider", choices=["openai", "anthropic", "claude-code"])
    usage_sync.add_argument("--since", type=date_arg, help="first UTC day, YYYY-MM-DD (default: two days ago)")
    usage_sync.add_argument("--until", type=date_arg, help="last UTC day, YYYY-MM-DD (default: today)")

    digest = sub.add_parser("digest", help="compute and post the weekly digest")
    digest.add_argument("--week", type=week_arg, help="ISO week like 2026-W47 (default: the last complete week)")
    digest.add_argument("--dry-run", action="store_true", help="print it instead of posting")

    nudge = sub.add_parser("nudge", help='send the "what did you build?" DMs for a week now')
    nudge.add_argument("--week", type=week_arg, help="ISO week like 2026-W47 (default: the last complete week)")
    nudge.add_argument("--dry-run", action="store_true", help="list who would be asked; send nothing")

    estimate = sub.add_parser("estimate", help="estimate work units of artifacts that have no estimate yet (LLM)")
    estimate.add_argument("--week", type=week_arg, help="only artifacts of this ISO week (default: every week)")
    estimate.add_argument("--limit", type=int, default=200, help="at most this many artifacts per run (default 200)")
    estimate.add_argument(
        "--retry-failed", action="store_true", help="also artifacts whose estimate already failed 5 times"
    )

    artifacts = sub.add_parser("artifacts", help="artifacts people shared")
    artifacts_sub = artifacts.add_subparsers(dest="artifacts_command", required=True, metavar="ACTION")
    override = artifacts_sub.add_parser("override", help="set an artifact's work units by hand (admins)")
    override.add_argument("id", type=int, help="the artifact's id (see `buildboard export artifacts`)")
    override_value = override.add_mutually_exclusive_group(required=True)
    override_value.add_argument("--work-units", metavar="N", help="0 to 13; wins over the estimate and is kept")
    override_value.add_argument("--clear", action="store_true", help="remove the override (estimate or default again)")
    outbox = sub.add_parser("outbox", help="the queue of scheduled Slack messages")
    outbox_sub = outbox.add_subparsers(dest="outbox_command", required=True, metavar="ACTION")
    outbox_send = outbox_sub.add_parser("send", help="send every due message now (paced, exactly once)")
    outbox_send.add_argument("--limit", type=int, default=10_000, help="send at most this many (default 10000)")
    outbox_sub.add_parser("status", help="print the backlog, the scheduler leader and each job's last run (JSON)")

    export = sub.add_parser("export", help="write stored data to stdout")
    export.add_argument("what", choices=["usage", "people", "artifacts", "awards", "audit"])
    export.add_argument("--week", type=week_arg)
    export.add_argument("--format", choices=["csv", "json"], default="csv")

    forget = sub.add_parser("forget", help="erase a person's personal data (usage kept only as anonymous totals)")
    forget.add_argument("email")

    retention = sub.add_parser(
        "retention", help="fold per-person usage older than BUILDBOARD_RETENTION_DAYS into anonymous totals"
    )
    retention.add_argument("--dry-run", action="store_true", help="report what would be folded; change nothing")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from bot import commands  # noqa: F401  (registers the command implementations)

    parser = build_parser()
    args = parser.parse_args(argv)
    key = tuple(
        v
        for v in (
            args.command,
            getattr(args, "db_command", None),
            getattr(args, "org_command", None),
            getattr(args, "usage_command", None),
            getattr(args, "artifacts_command", None),
            getattr(args, "outbox_command", None),
        )
        if v
    )
    handler = COMMANDS.get(key)
    if handler is None:
        parser.error(f"{' '.join(key)} is not available")
    try:
        return handler(args)
    except CommandError as exc:
        print(f"buildboard: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'setting'}: {e['msg']}" for e in exc.errors())
        print(f"buildboard: bad setting: {problems}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def command(*key: str):
    def register(handler: Callable[[argparse.Namespace], int]):
        COMMANDS[key] = handler
        return handler

    return register


if __name__ == "__main__":
    sys.exit(main())
