"""`buildboard db upgrade`, `org import`, `usage import`, `export`."""

from __future__ import annotations

import argparse
import functools
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from bot.commands.common import CommandError, TerminalLine, err, runtime, sessions_or_fail
from bot.domain.org_changes import DEPARTURE_LIMIT_PERCENT, departures_need_confirmation
from bot.domain.text import plural

if TYPE_CHECKING:
    from bot.ingest.errors import BadImportFile
    from bot.ingest.records import UsageRecord

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
    from bot.db.output_weekly import rebuild_output_weekly
    from bot.db.usage_weekly import rebuild_usage_weekly
    from bot.domain.periods import IsoWeek
    from bot.services.period_figures import build_period_figures, built_summary

    rt = runtime()
    sessions = sessions_or_fail(rt)
    with sessions.begin() as session:
        rows = rebuild_usage_weekly(session)
    print(f"usage_weekly rebuilt from usage_daily: {plural(rows, 'person-week')}")
    cap = rt.settings.max_counted_artifacts
    rows = rebuild_output_weekly(sessions, cap)
    if rows is None:
        raise CommandError("output_weekly: another write changed the output while it was rebuilt; run this again")
    print(f"output_weekly rebuilt (counted output, {cap} artifacts a person-week): {plural(rows, 'person-week')}")
    now = rt.clock()
    last = IsoWeek.last_complete(now, rt.settings.zone)
    built = build_period_figures(sessions, last, rt.settings, now)
    print(f"period_figures rebuilt (each person's sums over the weeks to {last}): {built_summary(built)}")
    return 0


def _refuse(exc: BadImportFile) -> None:
    err(f"buildboard: {exc.source}: refused, nothing was imported:")
    for line in exc.details():
        err(f"  {line}")


def _listed(label: str, emails: list[str], shown: int = 10) -> str:
    more = f" and {len(emails) - shown} more" if len(emails) > shown else ""
    return f"  {label} ({len(emails)}): " + (", ".join(emails[:shown]) + more if emails else "none")


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
    from bot.ingest.seat_prices import SeatPrices
    from bot.services.people import departures, import_people, planned_org_changes

    rt = runtime()
    _readable(args.file)
    notes: list[str] = []
    try:
        seat_prices = SeatPrices.load(rt.settings.seats_file)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    try:
        records = read_people(args.file, notes, seat_plans=seat_prices.plans)
    except BadImportFile as exc:
        _refuse(exc)
        return 2
    sessions = sessions_or_fail(rt)
    for note in notes:
        print(f"{args.file}: {note}")
    if args.dry_run:
        with sessions() as session:
            changes = planned_org_changes(session, records)
        print(f"{args.file}: {plural(len(records), 'person', 'people')}; a dry run, nothing was written:")
        if changes.nothing:
            print("  nothing would change")
        for label, emails in (
            ("would be added", changes.added),
            ("would be updated (name, team or time zone)", changes.updated),
            ("would move (team or manager)", changes.moved),
            ("would be marked departed", changes.departed),
        ):
            print(_listed(label, emails))
        if changes.attributed:
            print(_listed("earlier unmatched usage would be attributed to", changes.attributed))
        if departures_need_confirmation(len(changes.departed), changes.in_org_before) and not args.allow_departures:
            print(
                f"  the import would stop here: more than {DEPARTURE_LIMIT_PERCENT} % of the org chart departs "
                "(run it with --allow-departures if that is right)"
            )
        return 0
    with sessions.begin() as session:
        departing, in_org = departures(session, records)
        if departures_need_confirmation(departing, in_org) and not args.allow_departures:
            raise CommandError(
                f"{args.file} would mark {plural(departing, 'person', 'people')} of {in_org} "
                f"({departing * 100 // in_org} %) as departed, more than {DEPARTURE_LIMIT_PERCENT} %; nothing was "
                "imported. Check the file (see `--dry-run`), or run again with --allow-departures if that is right"
            )
        report = import_people(session, records, now=rt.clock(), seat_prices=seat_prices)
    print(f"{args.file}: {plural(len(records), 'person', 'people')} ({report.summary()})")
    missing = len(report.missing_slack_ids)
    if not missing:
        return 0
    if getattr(args, "no_slack", False):
        print(
            f"{plural(missing, 'person has', 'people have')} no Slack id yet; "
            "the scheduler's next daily run finds them in users.list"
        )
        return 0
    if rt.settings.slack_bot_token is None:
        print(f"{plural(missing, 'person has', 'people have')} no slack_user_id; set SLACK_BOT_TOKEN to look them up")
        return 0
    # The people are stored (committed above); the ids follow, one pass over the workspace's users.
    from slack_sdk.errors import SlackApiError  # only here: `--no-slack` and a dry run need no Slack SDK

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


class DirectoryProgress(TerminalLine):
    """One progress line on stderr while Slack's users are read, drawn only when stderr is a terminal."""

    def __call__(self, pages: int, found: int, wanted: int) -> None:
        unit = "page" if pages == 1 else "pages"
        self.draw(f"Slack ids: {found:,} of {wanted:,} found ({pages:,} {unit} of users.list)")


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
    notes: list[str] = []
    read = 0

    def counted(records: Iterator[UsageRecord]) -> Iterator[UsageRecord]:
        nonlocal read
        for record in records:
            read += 1
            yield record

    sessions = sessions_or_fail(rt)
    with sessions() as session:
        with session.begin():
            report = write_usage(
                session,
                counted(iter_usage(args.file, problems, notes)),
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
    for note in notes:
        print(f"{args.file}: {note}")
    if not read:
        empty = "has a header but no usage rows" if args.file.suffix.lower() == ".csv" else "has no usage rows"
        left_out = any("left out" in note for note in notes)
        print(f"{args.file}: {'no usage rows left to import' if left_out else empty}; nothing was imported")
        return 0
    span = f" from {report.first_day} to {report.last_day}" if report.rows else ""
    outcome = "nothing changed" if not report.changed else f"{plural(report.changed, 'row')} new or changed"
    print(
        f"{args.file}: {plural(report.rows, 'usage row')}{span}, {plural(report.tokens, 'token')}, "
        f"${report.cost_usd:,.2f} ({outcome})"
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
EXPORTS_WITHOUT_WEEK = ("people", "seats")


def export(args: argparse.Namespace) -> int:
    if args.week is not None and args.what in EXPORTS_WITHOUT_WEEK:
        raise CommandError(f"export {args.what} takes no --week: it writes everyone stored now")
    from bot.services import exports

    rt = runtime(read_only=True)
    sessions = sessions_or_fail(rt)
    if args.what == "seats":
        from bot.ingest.seat_prices import SeatPrices

        try:
            prices = SeatPrices.load(rt.settings.seats_file)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        today = rt.clock().astimezone(rt.settings.zone).date()
        with sessions() as session:
            count = exports.export_seats(
                session,
                prices=prices,
                today=today,
                idle_days=rt.settings.idle_seat_days,
                fmt=args.format,
                out=sys.stdout,
            )
        log.info("exported %d seats", count)
        return 0
    writer = exports.EXPORTERS.get(args.what)
    if writer is None:
        raise CommandError(f"export {args.what} is not available yet")
    if args.what == "evidence":
        writer = functools.partial(writer, units_per_pr=rt.settings.work_units_per_merged_pr)
    with sessions() as session:
        count = writer(session, week=args.week, fmt=args.format, out=sys.stdout)
    log.info("exported %d %s rows", count, args.what)
    return 0
