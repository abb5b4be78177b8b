"""`buildboard db upgrade`, `org import`, `usage import`, `export`."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TextIO

from slack_sdk.errors import SlackApiError

from bot.commands.common import CommandError, err, runtime, sessions_or_fail
from bot.db.engine import upgrade
from bot.db.usage_weekly import rebuild_usage_weekly
from bot.ingest.csv_files import iter_usage, read_people
from bot.ingest.errors import BadImportFile, ProblemCollector
from bot.ingest.prices import PriceTable
from bot.ingest.store import write_usage
from bot.services import exports
from bot.services.people import import_people

log = logging.getLogger(__name__)


def db_upgrade(args: argparse.Namespace) -> int:
    rt = runtime()
    head = upgrade(rt.settings.database_url)
    print(f"database is at revision {head}")
    return 0


def db_rebuild_rollup(args: argparse.Namespace) -> int:
    rt = runtime()
    sessions = sessions_or_fail(rt)
    with sessions.begin() as session:
        rows = rebuild_usage_weekly(session)
    print(f"usage_weekly rebuilt from usage_daily: {rows} person-weeks")
    return 0


def _refuse(exc: BadImportFile) -> None:
    err(f"buildboard: {exc.source}: refused, nothing was imported:")
    for line in exc.details():
        err(f"  {line}")


def org_import(args: argparse.Namespace) -> int:
    rt = runtime()
    try:
        records = read_people(args.file)
    except BadImportFile as exc:
        _refuse(exc)
        return 2
    sessions = sessions_or_fail(rt)
    with sessions.begin() as session:
        report = import_people(session, records, now=rt.clock())
    print(f"{args.file}: {len(records)} people ({report.summary()})")
    missing = len(report.missing_slack_ids)
    if not missing:
        return 0
    if getattr(args, "no_slack", False):
        print(f"{missing} people have no Slack id yet; the scheduler's next daily run finds them in users.list")
        return 0
    if rt.settings.slack_bot_token is None:
        print(f"{missing} people have no slack_user_id; set SLACK_BOT_TOKEN to look them up")
        return 0
    # The people are stored (committed above); the ids follow, one pass over the workspace's users.
    from bot.services.slack_directory import resolve_slack_ids_from_directory

    progress = DirectoryProgress()
    try:
        found = resolve_slack_ids_from_directory(sessions, _users_list_pages(rt), on_progress=progress)
    except SlackApiError as exc:
        progress.close()
        err(
            f"buildboard: could not read Slack's users ({exc.response.get('error')}); "
            "the scheduler's next daily run tries again"
        )
        return 0
    progress.close()
    print(found.summary())
    return 0


def _users_list_pages(rt):
    from bot.services.slack_directory import PAGE_LIMIT

    def page(cursor: str | None):
        return rt.slack.users_list(cursor=cursor, limit=PAGE_LIMIT)

    return page


class DirectoryProgress:
    """One progress line on stderr while Slack's users are read, drawn only when stderr is a terminal."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.drawn = False

    def __call__(self, pages: int, found: int, wanted: int) -> None:
        if self.enabled:
            unit = "page" if pages == 1 else "pages"
            self.stream.write(f"\rSlack ids: {found:,} of {wanted:,} found ({pages:,} {unit} of users.list)")
            self.stream.flush()
            self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def usage_import(args: argparse.Namespace) -> int:
    rt = runtime()
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
    print(f"{args.file}: {report.rows} usage rows{span}, {report.tokens:,} tokens, ${report.cost_usd:,.2f}")
    if report.unmatched_emails:
        print(
            f"{len(report.unmatched_emails)} emails are not in the people file and are kept as unmatched usage "
            f"(e.g. {sorted(report.unmatched_emails)[0]}); they are attributed once the person is imported"
        )
    for model, tokens in sorted(report.unpriced_models.items()):
        err(
            f"buildboard: warning: model {model!r} is not in the price table; {tokens:,} tokens left unpriced. "
            "Add it with BUILDBOARD_PRICES_FILE or give cost_usd, then import again."
        )
    return 0


def export(args: argparse.Namespace) -> int:
    rt = runtime()
    sessions = sessions_or_fail(rt)
    writer = exports.EXPORTERS.get(args.what)
    if writer is None:
        raise CommandError(f"export {args.what} is not available yet")
    with sessions() as session:
        count = writer(session, week=args.week, fmt=args.format, out=sys.stdout)
    log.info("exported %d %s rows", count, args.what)
    return 0
