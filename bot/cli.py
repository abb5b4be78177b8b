"""The `buildboard` command. Thin: parse arguments, call a service, print the outcome.

COMMANDS is the one list of subcommands, in the order `buildboard --help` shows them. Each names
its implementation as "module:function", imported only when that subcommand runs, so `--help`
and argument errors stay quick and bot.commands never needs to import this module.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from bot.commands.common import VERBOSITY, date_arg, quick_start, week_arg

Arguments = Callable[[argparse.ArgumentParser], None]


class Parser(argparse.ArgumentParser):
    """argparse with its errors on one line (the usage stays in --help)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def int_at_least(minimum: int, what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
        return value

    parse.__name__ = what
    return parse


def port_arg(text: str) -> int:
    """A TCP port: 1 to 65535, or 0 for a free one the system picks (the log says which)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1 to 65535)") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (1 to 65535)")
    return value


class VersionAction(argparse.Action):
    """`--version`: the installed package's version, looked up only when asked."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit", default=argparse.SUPPRESS)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(f"buildboard {buildboard_version()}")
        parser.exit()


def buildboard_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("buildboard")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    pass


@dataclass(frozen=True)
class CliCommand:
    """One subcommand: its words (`usage sync`), its help line, its arguments and its implementation."""

    words: tuple[str, ...]
    help: str
    implementation: str  # "module:function"; the function takes the parsed arguments and returns the exit code
    arguments: Arguments = _no_arguments


def _demo(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--people",
        type=int,
        default=240,
        help="size of the synthetic organisation (default 240; at least 20)",
    )
    p.add_argument("--keep", metavar="DIR", help="keep the demo database and files in DIR")
    p.add_argument("--all", action="store_true", help="print every message, not only the first few DMs")


def _serve(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default=None, help="address to listen on (default 0.0.0.0: every interface)")
    p.add_argument("--port", type=port_arg, default=None, help="1 to 65535 (0: any free port); default: PORT or 3000")
    p.add_argument("--no-scheduler", action="store_true", help="answer Slack only; run no scheduled jobs")
    p.add_argument("--threads", type=int_at_least(1, "--threads"), default=None, help="HTTP worker threads (default 8)")


def _org_import(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path)
    p.add_argument("--dry-run", action="store_true", help="show who would be added, updated, moved or departed")
    p.add_argument(
        "--allow-departures",
        action="store_true",
        help="import even when more than 20 %% of the org chart would be marked departed",
    )
    p.add_argument(
        "--no-slack",
        action="store_true",
        help="store the people only; their Slack ids are found by the scheduler's next daily run",
    )


def _usage_import(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path)
    p.add_argument(
        "--strict",
        action="store_true",
        help="refuse emails that are not in the people file (default: keep as unmatched)",
    )


def _usage_sync(p: argparse.ArgumentParser) -> None:
    p.add_argument("provider", choices=["openai", "anthropic", "claude-code", "cursor", "copilot"])
    p.add_argument("--since", type=date_arg, help="first UTC day, YYYY-MM-DD (default: two days ago)")
    p.add_argument("--until", type=date_arg, help="last UTC day, YYYY-MM-DD (default: today)")


def _evidence_sync(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", choices=["github"])
    p.add_argument("--since", type=date_arg, help="first UTC day, YYYY-MM-DD (default: two days ago)")
    p.add_argument("--until", type=date_arg, help="last UTC day, YYYY-MM-DD (default: today)")


def _digest(p: argparse.ArgumentParser) -> None:
    p.add_argument("--week", type=week_arg, help="ISO week like 2026-W47 (default: the last complete week)")
    p.add_argument("--dry-run", action="store_true", help="print it instead of posting")


def _nudge(p: argparse.ArgumentParser) -> None:
    p.add_argument("--week", type=week_arg, help="ISO week like 2026-W47 (default: the last complete week)")
    p.add_argument("--dry-run", action="store_true", help="list who would be asked; send nothing")


def _estimate(p: argparse.ArgumentParser) -> None:
    p.add_argument("--week", type=week_arg, help="only artifacts of this ISO week (default: every week)")
    p.add_argument(
        "--limit",
        type=int_at_least(1, "--limit"),
        default=200,
        help="at most this many artifacts per run (default 200)",
    )
    p.add_argument("--retry-failed", action="store_true", help="also artifacts whose estimate already failed 5 times")


def _artifacts_override(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", type=int, help="the artifact's id (see `buildboard export artifacts`)")
    value = p.add_mutually_exclusive_group(required=True)
    value.add_argument("--work-units", metavar="N", help="0 to 13; wins over the estimate and is kept")
    value.add_argument("--clear", action="store_true", help="remove the override (estimate or default again)")


def _outbox_send(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--limit", type=int_at_least(1, "--limit"), default=10_000, help="send at most this many (default 10000)"
    )


def _export(p: argparse.ArgumentParser) -> None:
    p.add_argument("what", choices=["usage", "people", "artifacts", "awards", "audit", "seats", "evidence"])
    p.add_argument("--week", type=week_arg)
    p.add_argument("--format", choices=["csv", "json"], default="csv")


def _forget(p: argparse.ArgumentParser) -> None:
    p.add_argument("email", nargs="?")
    p.add_argument(
        "--finish",
        action="store_true",
        help="delete from Slack the showcase posts of people already forgotten that could not be deleted then",
    )


def _retention(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dry-run", action="store_true", help="report what would be folded; change nothing")


# The help line of each group of two-word subcommands (`db upgrade`, `usage sync`, …).
GROUPS = {
    "db": "database maintenance",
    "org": "the org chart",
    "usage": "AI usage",
    "evidence": "verified output (merged pull requests)",
    "artifacts": "artifacts people shared",
    "outbox": "the queue of scheduled Slack messages",
    "prices": "the price table and the seats file",
}

COMMANDS: tuple[CliCommand, ...] = (
    CliCommand(
        ("demo",),
        "run the whole flow on a synthetic organisation, no Slack account needed",
        "bot.commands.demo:demo",
        _demo,
    ),
    CliCommand(
        ("serve",),
        "run the bot (Socket Mode if SLACK_APP_TOKEN is set, else HTTP)",
        "bot.commands.serve:serve",
        _serve,
    ),
    CliCommand(("db", "upgrade"), "apply migrations (alembic upgrade head)", "bot.commands.data:db_upgrade"),
    CliCommand(
        ("db", "rebuild-rollup"),
        "recompute usage_weekly from usage_daily (after loading usage_daily by hand)",
        "bot.commands.data:db_rebuild_rollup",
    ),
    CliCommand(
        ("org", "import"),
        "import people from CSV: email,name,team,manager_email[,…]",
        "bot.commands.data:org_import",
        _org_import,
    ),
    CliCommand(
        ("usage", "import"), "import usage from CSV or JSON Lines", "bot.commands.data:usage_import", _usage_import
    ),
    CliCommand(
        ("usage", "sync"),
        "pull usage from a provider's admin API (default: the last 3 days)",
        "bot.commands.sync:usage_sync",
        _usage_sync,
    ),
    CliCommand(
        ("evidence", "sync"),
        "read merged pull requests of GITHUB_ORG as verified output (default: the last 3 days)",
        "bot.commands.evidence:evidence_sync",
        _evidence_sync,
    ),
    CliCommand(("digest",), "compute and post the weekly digest", "bot.commands.digest:digest", _digest),
    CliCommand(("nudge",), 'send the "what did you build?" DMs for a week now', "bot.commands.nudge:nudge", _nudge),
    CliCommand(
        ("estimate",),
        "estimate work units of artifacts that have no estimate yet (LLM)",
        "bot.commands.estimates:estimate",
        _estimate,
    ),
    CliCommand(
        ("artifacts", "override"),
        "set an artifact's work units by hand (admins)",
        "bot.commands.estimates:artifacts_override",
        _artifacts_override,
    ),
    CliCommand(
        ("outbox", "send"),
        "send every due message now (paced, exactly once)",
        "bot.commands.outbox:outbox_send",
        _outbox_send,
    ),
    CliCommand(
        ("outbox", "status"),
        "print the backlog, the scheduler leader and each job's last run (JSON)",
        "bot.commands.outbox:outbox_status",
    ),
    CliCommand(("export",), "write stored data to stdout", "bot.commands.data:export", _export),
    CliCommand(
        ("prices", "check"),
        "list models used in the last 30 days the price table lacks, and seat plans without a price",
        "bot.commands.prices:prices_check",
    ),
    CliCommand(
        ("forget",),
        "erase a person's personal data (usage kept only as anonymous totals)",
        "bot.commands.privacy:forget_person",
        _forget,
    ),
    CliCommand(
        ("retention",),
        "fold per-person usage older than BUILDBOARD_RETENTION_DAYS into anonymous totals",
        "bot.commands.privacy:retention",
        _retention,
    ),
)


def _verbosity(p: argparse.ArgumentParser, default: object = 0) -> None:
    p.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default,
        help="log more on stderr: -v progress (INFO), -vv everything (DEBUG); default: warnings only",
    )


def build_parser(commands: Sequence[CliCommand] = COMMANDS) -> argparse.ArgumentParser:
    """The argument parser, with the subcommands in the order of `commands`."""
    parser = Parser(prog="buildboard", description="Show what you built: AI spend → output.")
    parser.add_argument("--version", action=VersionAction)
    _verbosity(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    groups: dict[str, argparse._SubParsersAction] = {}

    def leaf(subparsers: argparse._SubParsersAction, name: str, command: CliCommand) -> None:
        p = subparsers.add_parser(name, help=command.help, description=command.help)
        command.arguments(p)
        _verbosity(p, argparse.SUPPRESS)  # `-v` after the command too; not given there, the one before stays

    for command in commands:
        first, *rest = command.words
        if not rest:
            leaf(sub, first, command)
            continue
        if first not in groups:
            group = sub.add_parser(first, help=GROUPS[first], description=GROUPS[first])
            groups[first] = group.add_subparsers(dest=f"{first}_command", required=True, metavar="ACTION")
        leaf(groups[first], rest[0], command)
    return parser


def chosen_words(args: argparse.Namespace) -> tuple[str, ...]:
    """The words of the subcommand the user chose, e.g. ("usage", "sync")."""
    action = getattr(args, f"{args.command}_command", None)
    return (args.command, action) if action else (args.command,)


def implementation(command: CliCommand) -> Callable[[argparse.Namespace], int]:
    module, _, function = command.implementation.partition(":")
    return getattr(importlib.import_module(module), function)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command `argv` names; without `argv`, the process's own command line (and the process ends after)."""
    if argv is None:
        quick_start()
    try:
        return run_command(argv)
    finally:
        if argv is None:
            end_of_process()


def end_of_process() -> None:
    """Let the interpreter end without collecting every object the command's libraries made.

    At exit CPython runs its garbage collector over every object still alive: with SQLAlchemy's ORM and
    pydantic loaded that is some 60,000 objects and 80–100 ms, a fifth of a short command's whole run
    (bench/cli_startup.py). Frozen objects are skipped; what is made after this is collected as usual.
    The database engines are disposed first, so their connections are closed as they were before.
    """
    import gc

    engines = sys.modules.get("bot.db.engine")
    if engines is not None:
        engines.dispose_engines()
    gc.freeze()


def run_command(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    words = chosen_words(args)
    command = next((c for c in COMMANDS if c.words == words), None)
    if command is None:
        parser.error(f"{' '.join(words)} is not available")
    VERBOSITY["level"] = args.verbose
    # Only the error types, and only the light modules that define them: a command imports the rest.
    from pydantic import ValidationError

    from bot.domain.errors import OperatorError

    try:
        return implementation(command)(args)
    except OperatorError as exc:  # what the operator can fix: one line, no traceback
        print(f"buildboard: {exc}", file=sys.stderr)
        return exc.exit_code
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'setting'}: {e['msg']}" for e in exc.errors())
        print(f"buildboard: bad setting: {problems}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`buildboard export usage | head`): not an error worth a traceback.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nor one when stdout is flushed at exit
        return 0
    except Exception as exc:
        from sqlalchemy.exc import SQLAlchemyError

        if not isinstance(exc, SQLAlchemyError):
            raise
        # One line: SQLAlchemy's text carries the whole statement and its parameters (emails, thousands of ids).
        print(f"buildboard: database error: {database_reason(exc)}", file=sys.stderr)
        if VERBOSITY["level"] >= 2:
            import logging

            logging.getLogger(__name__).debug("the database error in full", exc_info=exc)
        return 1


def database_reason(exc: Exception) -> str:
    """The error's class and the first line of the driver's reason, cut to 200 characters: never the statement."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    reason = lines[0] if lines else ""
    if not getattr(exc, "orig", None):
        reason = reason.split(" [SQL:")[0]
    return f"{type(cause).__name__}: {reason[:200]}"


if __name__ == "__main__":
    sys.exit(main())
