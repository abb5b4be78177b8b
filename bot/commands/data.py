"""`buildboard db upgrade`, `org import`, `usage import`, `export`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.commands.common import CommandError, err, runtime, sessions_or_fail
from bot.domain.text import plural

if TYPE_CHECKING:
    from bot.ingest.errors import BadImportFile

# Each command imports what it uses inside its function: `export` needs neither the CSV reader nor the
# Slack SDK, and an option refused before the Runtime is built imports nothing at all.

log = logging.getLogger(__name__)


def db_upgrade(args: argparse.Namespace) -> int:
    from bot.db.engine import check_reachable, make_engine, upgrade

    rt = runtime()
    url = rt.settings.database_url
    engine = make_engine(url, ensure_schema=False)  # a URL that cannot be used fails here, in one line
    try:
        check_reachable(engine)
    finally:
        engine.dispose()
    head = upgrade(url)
    print(f"database is at revision {head}")
    return 0


def db_rebuild_rollup(args: argparse.Namespace) -> int:
    from bot.db.usage_weekly import rebuild_usage_weekly

    rt = runtime()
    sessions = sessions_or_fail(rt)
    with sessions.begin() as session:
        rows = rebuild_usage_weekly(session)
    print(f"usage_weekly rebuilt from usage_daily: {plural(rows, 'person-week')}")
    return 0


def _refuse(exc: BadImportFile) -> None:
    err(f"buildboard: {exc.source}: refused, nothing was imported:")
    for line in exc.details():
        err(f"  {line}")


def _readable(path: Path) -> None:
    """The file exists and is text Buildboard can read (UTF-8, or UTF-16 with its BOM); else one line."""
    if not path.exists():
        raise CommandError(f"{path}: no such file")
    if path.is_dir():
        raise CommandError(f"{path} is a directory; give the CSV file")
    from bot.ingest.text_files import check_text_file

    check_text_file(path)


def org_import(args: argparse.Namespace) -> int:
    from bot.ingest.csv_files import read_people
    from bot.ingest.errors import BadImportFile
    from bot.services.people import import_people, resolve_slack_ids

    rt = runtime()
    _readable(args.file)
    try:
        records = read_people(args.file)
    except BadImportFile as exc:
        _refuse(exc)
        return 2
    sessions = sessions_or_fail(rt)
    with sessions.begin() as session:
        report = import_people(session, records, now=rt.clock())
    print(f"{args.file}: {plural(len(records), 'person', 'people')} ({report.summary()})")
    if report.missing_slack_ids and rt.settings.slack_bot_token is not None:
        from slack_sdk.errors import SlackApiError

        try:
            with sessions.begin() as session:
                found = resolve_slack_ids(
                    session, report.missing_slack_ids, lambda email: rt.slack.users_lookupByEmail(email=email)
                )
            print(f"found {found} of {plural(len(report.missing_slack_ids), 'missing Slack id')} by email")
        except SlackApiError as exc:
            err(
                f"buildboard: could not look up Slack ids ({exc.response.get('error')}); "
                "they will be looked up when needed"
            )
    elif report.missing_slack_ids:
        missing = len(report.missing_slack_ids)
        print(
            f"{plural(missing, 'person', 'people')} {'has' if missing == 1 else 'have'} no slack_user_id; "
            "set SLACK_BOT_TOKEN to look them up"
        )
    return 0


def usage_import(args: argparse.Namespace) -> int:
    from bot.ingest.csv_files import iter_usage
    from bot.ingest.errors import BadImportFile, ProblemCollector
    from bot.ingest.prices import PriceTable
    from bot.ingest.store import write_usage

    rt = runtime()
    _readable(args.file)
    try:
        prices = PriceTable.load(rt.settings.prices_file)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    problems = ProblemCollector(str(args.file))
    sessions = sessions_or_fail(rt)
    with sessions() as session:
        with session.begin():
            report = write_usage(
                session,
                iter_usage(args.file, problems),
                prices=prices,
                source="csv",
                now=rt.clock(),
                problems=problems,
                strict_people=args.strict,
            )
            if problems:
                session.rollback()
    if problems:
        _refuse(BadImportFile(problems.source, problems.problems, problems.more))
        return 2
    span = f" from {report.first_day} to {report.last_day}" if report.rows else ""
    print(
        f"{args.file}: {plural(report.rows, 'usage row')}{span}, {plural(report.tokens, 'token')}, "
        f"${report.cost_usd:,.2f}"
    )
    if report.unmatched_emails:
        unmatched = len(report.unmatched_emails)
        print(
            f"{plural(unmatched, 'email')} {'is' if unmatched == 1 else 'are'} not in the people file and "
            f"{'is' if unmatched == 1 else 'are'} kept as unmatched usage "
            f"(e.g. {sorted(report.unmatched_emails)[0]}); they are attributed once the person is imported"
        )
    for model, tokens in sorted(report.unpriced_models.items()):
        err(
            f"buildboard: warning: model {model!r} is not in the price table; {tokens:,} tokens left unpriced. "
            "Add it with BUILDBOARD_PRICES_FILE or give cost_usd, then import again."
        )
    return 0


# What each export writes regardless of a week: an option it would ignore is refused instead.
EXPORTS_WITHOUT_WEEK = ("people",)


def export(args: argparse.Namespace) -> int:
    if args.week is not None and args.what in EXPORTS_WITHOUT_WEEK:
        raise CommandError(f"export {args.what} takes no --week: it writes everyone stored now")
    from bot.services import exports

    rt = runtime(read_only=True)
    sessions = sessions_or_fail(rt)
    writer = exports.EXPORTERS.get(args.what)
    if writer is None:
        raise CommandError(f"export {args.what} is not available yet")
    with sessions() as session:
        count = writer(session, week=args.week, fmt=args.format, out=sys.stdout)
    log.info("exported %d %s rows", count, args.what)
    return 0
