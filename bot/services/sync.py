"""Pulling usage from the providers' admin APIs into the tables the CSV import fills.

A sync covers the days since…until (UTC, inclusive) in windows (7 days; one day for Claude Code).
Each window is fetched whole — every page — before anything is written, then written in one
transaction: upserted on person · day · provider · model, and rows this source wrote earlier for
those days that the provider no longer reports are removed. So repeating a sync, or overlapping an
earlier one, changes nothing that was right and corrects what the provider revised; a window whose
fetch fails (after the SDK's retries) writes nothing, stops the sync and names the days to retry.

One source of Anthropic spend per day: the organisation analytics (`anthropic`) cover every product,
Claude Code included, with the billed cost. For a day they have rows, the Claude Code sync stores only
its activity signals (sessions, lines, commits, pull requests) and the `anthropic` sync removes Claude
Code cost rows it supersedes. For days without analytics (e.g. an organisation with no analytics
access), Claude Code's estimated cost is the Anthropic spend. Either order of syncing gives the same rows.

A source that lists seat holders (Cursor's members, Copilot's seats) has them stored in the same transaction as each
window, and every seat's daily share of its price is charged for the window's days (bot/services/seats.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import CodeActivityDaily, Person, UsageDaily
from bot.db.output_weekly import kept_by_writer
from bot.db.usage_weekly import refresh_usage_weekly
from bot.db.value_sets import in_values
from bot.domain.model_names import normalise_model_name
from bot.domain.money import format_usd
from bot.domain.text import plural
from bot.ingest.anthropic_admin import AnthropicUsage
from bot.ingest.claude_code import ClaudeCodeUsage
from bot.ingest.cursor_admin import CursorUsage
from bot.ingest.errors import UsageOutOfBounds
from bot.ingest.github_copilot import NOREPLY_DOMAIN, CopilotUsage
from bot.ingest.openai_admin import OpenAIUsage
from bot.ingest.prices import PriceTable
from bot.ingest.provider_api import (
    DEFAULT_MAX_RETRIES,
    FetchedWindow,
    MissingKey,
    ProviderError,
    Unattributable,
    UsageSource,
)
from bot.ingest.records import CodeActivityRecord, UsageRecord
from bot.ingest.seat_prices import SeatPrices
from bot.ingest.store import UsageWriteReport, write_code_activity, write_usage
from bot.services.seats import charge_seat_costs, record_seats
from bot.settings import Settings

log = logging.getLogger(__name__)

SOURCES: dict[
    str, type[OpenAIUsage] | type[AnthropicUsage] | type[ClaudeCodeUsage] | type[CursorUsage] | type[CopilotUsage]
] = {
    "openai": OpenAIUsage,
    "anthropic": AnthropicUsage,
    "claude-code": ClaudeCodeUsage,
    "cursor": CursorUsage,
    "copilot": CopilotUsage,
}
DEFAULT_DAYS = 3  # today and the two days before: late and revised data settle within that

Progress = Callable[[int, int], None]  # (days done, days in total)

__all__ = ["MissingKey", "SyncReport", "configured_providers", "daily_sync", "default_window", "sync_provider"]


@dataclass
class SyncReport:
    """What one `sync_provider` call did: stored rows and money, and what it could not store."""

    provider: str
    since: date
    until: date
    synced_through: date | None = None  # last day of the last window written
    rows: int = 0
    tokens: int = 0
    cost_usd: Decimal = Decimal(0)
    removed_rows: int = 0  # rows the provider no longer reports (revisions) or superseded by analytics
    superseded_rows: int = 0  # Claude Code cost rows not stored: Anthropic analytics cover the day
    activity_rows: int = 0
    activity_label: str = "Claude Code activity"
    accepted_lines: int = 0
    agent_requests: int = 0
    seats_held: int = 0
    seats_ended: int = 0
    seat_cost_usd: Decimal = Decimal(0)
    unpriced_plans: set[str] = field(default_factory=set)
    commits: int = 0
    pull_requests: int = 0
    pages: int = 0
    unmatched_emails: set[str] = field(default_factory=set)
    unmatched_logins: set[str] = field(default_factory=set)  # GitHub logins (Copilot) no person was found for
    days_without_report: set[date] = field(default_factory=set)  # Copilot: days GitHub has no report for yet
    unpriced_models: dict[str, int] = field(default_factory=dict)  # model → tokens left unpriced
    unattributable: Unattributable = field(default_factory=Unattributable)
    error: str | None = None
    failed_since: date | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def retry_command(self) -> str | None:
        if self.failed_since is None:
            return None
        return f"buildboard usage sync {self.provider} --since {self.failed_since} --until {self.until}"

    def summary_lines(self) -> list[str]:
        """The human summary the CLI prints (and a scheduler may log)."""
        through = f" (through {self.synced_through})" if self.synced_through and not self.ok else ""
        removed = f"; {plural(self.removed_rows, 'outdated row')} removed" if self.removed_rows else ""
        lines = [
            f"{self.provider}: {self.since} to {self.until}{through}: {plural(self.rows, 'usage row')}, "
            f"{plural(self.tokens, 'token')}, {format_usd(self.cost_usd)}{removed}"
        ]
        if self.activity_rows and self.provider == "copilot":
            lines.append(
                f"{self.activity_label}: {plural(self.activity_rows, 'person-day')}, "
                f"{plural(self.accepted_lines, 'line')} added, {plural(self.agent_requests, 'agent interaction')}"
            )
        elif self.activity_rows and self.provider == "cursor":
            lines.append(
                f"{self.activity_label}: {plural(self.activity_rows, 'person-day')}, "
                f"{plural(self.accepted_lines, 'accepted line')}, {plural(self.agent_requests, 'agent request')}"
            )
        elif self.activity_rows:
            lines.append(
                f"{self.activity_label}: {plural(self.activity_rows, 'person-day')}, {plural(self.commits, 'commit')}, "
                f"{plural(self.pull_requests, 'pull request')}"
            )
        if self.seats_held or self.seats_ended or self.seat_cost_usd:
            ended = f", {self.seats_ended} ended" if self.seats_ended else ""
            lines.append(
                f"seats: {self.seats_held} held{ended}; seat cost {format_usd(self.seat_cost_usd)} for these days "
                "(usage rows with cost_source seat)"
            )
        if self.unpriced_plans:
            lines.append(
                f"no monthly price for seat plan(s) {', '.join(sorted(self.unpriced_plans))}: not charged; "
                "add them with BUILDBOARD_SEATS_FILE (see `buildboard prices check`)"
            )
        if self.superseded_rows:
            lines.append(
                f"{self.superseded_rows} Claude Code cost rows not stored: Anthropic analytics already cover those days"
            )
        if self.days_without_report:
            days = ", ".join(str(day) for day in sorted(self.days_without_report))
            lines.append(f"no report from GitHub yet for {days}: nothing stored for those days was changed")
        if self.unmatched_logins:
            logins = len(self.unmatched_logins)
            lines.append(
                f"{plural(logins, 'GitHub login')} {'matches' if logins == 1 else 'match'} no one in the people file "
                f"and {_is_are(logins)} kept as <login>@{NOREPLY_DOMAIN}: {', '.join(sorted(self.unmatched_logins))}; "
                "add their github_login to the people file, then sync these days again"
            )
        placeholders = {f"{login}@{NOREPLY_DOMAIN}" for login in self.unmatched_logins}
        unmatched_emails = self.unmatched_emails - placeholders
        if unmatched_emails:
            sample = ", ".join(sorted(unmatched_emails)[:3])
            unmatched = len(unmatched_emails)
            lines.append(
                f"{plural(unmatched, 'email')} {_is_are(unmatched)} not in the people file and kept as unmatched "
                f"usage ({sample}{', …' if unmatched > 3 else ''}); "
                "they are attributed once the person is imported"
            )
        if self.unattributable.rows:
            reasons = ", ".join(f"{n} {why}" for why, n in sorted(self.unattributable.reasons.items()))
            cost = f", {format_usd(self.unattributable.cost_usd)} reported" if self.unattributable.cost_usd else ""
            lines.append(
                f"{plural(self.unattributable.rows, 'row')} cannot be attributed to a person and "
                f"{'was' if self.unattributable.rows == 1 else 'were'} left out "
                f"({reasons}; {self.unattributable.tokens:,} tokens{cost})"
            )
        return lines

    def _add_written(self, written: UsageWriteReport, fetched: FetchedWindow) -> None:
        self.rows += written.rows
        self.tokens += written.tokens
        self.cost_usd += written.cost_usd
        self.unmatched_emails |= written.unmatched_emails
        for model, tokens in written.unpriced_models.items():
            self.unpriced_models[model] = self.unpriced_models.get(model, 0) + tokens
        self.unattributable.merge(fetched.unattributable)
        self.unmatched_logins |= fetched.unmatched_logins
        self.days_without_report |= fetched.days_without_report
        self.pages += fetched.pages


def configured_providers(settings: Settings) -> list[str]:
    """Providers whose admin key is set, in a stable order (what the daily sync job runs)."""
    found = []
    if settings.openai_admin_key is not None and settings.openai_admin_key.get_secret_value():
        found.append("openai")
    if settings.anthropic_admin_key is not None and settings.anthropic_admin_key.get_secret_value():
        found += ["anthropic", "claude-code"]
    if settings.cursor_admin_key is not None and settings.cursor_admin_key.get_secret_value():
        found.append("cursor")
    if settings.github_token is not None and settings.github_token.get_secret_value() and settings.github_org:
        found.append("copilot")
    return found


def default_window(now: datetime, days: int = DEFAULT_DAYS, *, until: date | None = None) -> tuple[date, date]:
    """The last `days` UTC days up to `until` (default: today), inclusive."""
    last = until or now.astimezone(UTC).date()
    return last - timedelta(days=days - 1), last


def make_source(provider: str, settings: Settings, *, max_retries: int = DEFAULT_MAX_RETRIES) -> UsageSource:
    try:
        cls = SOURCES[provider]
    except KeyError:
        raise ValueError(f"unknown provider {provider!r}: use one of {', '.join(SOURCES)}") from None
    return cls.from_settings(settings, max_retries=max_retries)


def sync_provider(
    provider: str,
    sessions: sessionmaker[Session],
    settings: Settings,
    since: date,
    until: date,
    now: datetime,
    *,
    source: UsageSource | None = None,
    prices: PriceTable | None = None,
    seat_prices: SeatPrices | None = None,
    on_progress: Progress | None = None,
    max_retries: int = DEFAULT_MAX_RETRIES,
) -> SyncReport:
    """Sync one provider's usage for since…until. A missing key raises MissingKey; a failed fetch is in the report."""
    if since > until:
        raise ValueError(f"--since {since} is after --until {until}")
    prices = prices or PriceTable.load(settings.prices_file)
    seat_prices = seat_prices or SeatPrices.load(settings.seats_file)
    if source is not None:
        _give_people(source, sessions)
        return _sync(source, sessions, since, until, now, prices, seat_prices, on_progress)
    source = make_source(provider, settings, max_retries=max_retries)
    _give_people(source, sessions)
    try:
        return _sync(source, sessions, since, until, now, prices, seat_prices, on_progress)
    finally:
        source.close()  # the SDK client's connection pool


class PeopleByLogin:
    """GitHub logins and emails → people of the people file, read from the database (for the Copilot sync)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def emails_of_logins(self, logins: Collection[str]) -> dict[str, str]:
        with self._sessions() as session:
            rows = session.execute(
                select(Person.github_login, Person.email).where(
                    in_values(Person.github_login, sorted(logins)), Person.email.is_not(None)
                )
            ).all()
        return {str(login): str(email) for login, email in rows if login and email}

    def known_emails(self, emails: Collection[str]) -> set[str]:
        if not emails:
            return set()
        with self._sessions() as session:
            found = session.scalars(
                select(Person.email).where(in_values(Person.email, sorted(emails)), Person.name.is_not(None))
            )
            return {str(email) for email in found if email}


def _give_people(source: UsageSource, sessions: sessionmaker[Session]) -> None:
    """The Copilot sync matches GitHub logins to people through the database's people file."""
    if isinstance(source, CopilotUsage) and source.directory is None:
        source.directory = PeopleByLogin(sessions)


def _sync(
    source: UsageSource,
    sessions: sessionmaker[Session],
    since: date,
    until: date,
    now: datetime,
    prices: PriceTable,
    seat_prices: SeatPrices,
    on_progress: Progress | None,
) -> SyncReport:
    report = SyncReport(provider=source.name, since=since, until=until)
    report.activity_label = getattr(source, "activity_label", report.activity_label)
    total_days = (until - since).days + 1
    start = since
    while start <= until:
        end = min(start + timedelta(days=source.window_days - 1), until)
        try:
            fetched = source.fetch(start, end)
        except ProviderError as exc:
            report.error = f"{exc}; nothing was written for {start} to {end}"
            report.failed_since = start
            log.warning("usage sync %s failed for %s to %s: %s", source.name, start, end, exc)
            break
        try:
            with sessions.begin() as session:
                _store(session, source, fetched, prices, seat_prices, now, report)
        except UsageOutOfBounds as exc:  # an absurd number from the provider: the window's transaction is undone
            report.error = f"{exc}; nothing was written for {start} to {end}"
            report.failed_since = start
            log.warning("usage sync %s refused %s to %s: %s", source.name, start, end, exc)
            break
        report.synced_through = end
        if on_progress is not None:
            on_progress((end - since).days + 1, total_days)
        start = end + timedelta(days=1)
    log.debug(
        "usage sync %s %s to %s: %d rows, %d tokens, $%s, %d pages%s",
        source.name,
        since,
        until,
        report.rows,
        report.tokens,
        report.cost_usd,
        report.pages,
        "" if report.ok else " (failed)",
    )
    return report


def daily_sync(sessions: sessionmaker[Session], settings: Settings, now: datetime) -> list[SyncReport]:
    """Every configured provider over the default window; one provider failing does not stop the others."""
    since, until = default_window(now)
    reports = []
    for provider in configured_providers(settings):
        try:
            report = sync_provider(provider, sessions, settings, since, until, now)
        except Exception as exc:  # a bug or a database outage in one provider's sync must not stop the others
            log.exception("usage sync %s crashed", provider)
            report = SyncReport(provider, since, until, error=f"{type(exc).__name__}; see the log", failed_since=since)
        reports.append(report)
        for line in report.summary_lines():
            log.info("usage sync %s: %s", provider, line)
    return reports


def _store(
    session: Session,
    source: UsageSource,
    fetched: FetchedWindow,
    prices: PriceTable,
    seat_prices: SeatPrices,
    now: datetime,
    report: SyncReport,
) -> None:
    records = _merge_usage(fetched.usage)
    if source.source == ClaudeCodeUsage.source:
        covered = set(
            session.scalars(
                select(UsageDaily.day)
                .where(
                    UsageDaily.source == AnthropicUsage.source,
                    UsageDaily.provider == source.provider,
                    UsageDaily.day >= fetched.since,
                    UsageDaily.day <= fetched.until,
                )
                .distinct()
            )
        )
        kept = [r for r in records if r.day not in covered]
        report.superseded_rows += len(records) - len(kept)
        records = kept
    written = write_usage(session, records, prices=prices, source=source.source, now=now, refresh_rollup=False)
    report._add_written(written, fetched)
    keep = {(r.email, r.day, r.model) for r in records}
    report.removed_rows += _remove_unreported_usage(session, source, fetched, keep)
    if source.source == AnthropicUsage.source:
        days = sorted({r.day for r in records})
        if days:
            removed = cast(  # a DELETE answers a cursor result, which counts its rows
                CursorResult[Any],
                session.execute(
                    delete(UsageDaily).where(
                        UsageDaily.source == ClaudeCodeUsage.source,
                        UsageDaily.provider == source.provider,
                        UsageDaily.day.in_(days),
                    )
                ),
            )
            report.removed_rows += removed.rowcount
    refresh_usage_weekly(session, fetched.since, fetched.until)  # after the writes and the removals above
    activity_provider: str | None = getattr(source, "activity_provider", None)
    if activity_provider is not None:
        activity = _merge_activity(fetched.activity)
        report.activity_rows += write_code_activity(session, activity, now=now)
        report.commits += sum(a.commits for a in activity)
        report.pull_requests += sum(a.pull_requests for a in activity)
        report.accepted_lines += sum(a.lines_added for a in activity)
        report.agent_requests += sum(a.agent_requests for a in activity)
        _remove_unreported_activity(session, fetched, activity_provider, {(a.email, a.day) for a in activity})
    if fetched.seats is not None:
        recorded = record_seats(
            session,
            fetched.seats,
            source=source.name,
            prices=seat_prices,
            held_since=report.since,
            today=now.astimezone(UTC).date(),
            now=now,
            tools={seat.tool for seat in fetched.seats} | set(getattr(source, "seat_tools", ())),
        )
        report.seats_held = recorded.held
        report.seats_ended = max(report.seats_ended, recorded.ended)
        report.unpriced_plans |= recorded.unknown_plans
        charged = charge_seat_costs(session, fetched.since, fetched.until, seat_prices, now=now)
        report.seat_cost_usd += charged.cost_usd
        report.unpriced_plans |= charged.unpriced_plans


def _remove_unreported_usage(
    session: Session, source: UsageSource, fetched: FetchedWindow, keep: set[tuple[str, date, str]]
) -> int:
    """Rows this source stored for these days that the provider no longer reports (a revision)."""
    stored = session.execute(
        select(UsageDaily.id, Person.email, UsageDaily.day, UsageDaily.model)
        .join(Person, Person.id == UsageDaily.person_id)
        .where(
            UsageDaily.source == source.source,
            UsageDaily.provider == source.provider,
            UsageDaily.day >= fetched.since,
            UsageDaily.day <= fetched.until,
            Person.email.is_not(None),
        )
    ).all()
    gone = [
        row_id
        for row_id, email, day, model in stored
        if (email, day, model) not in keep and day not in fetched.days_without_report
    ]
    if gone:
        # The days bound the delete to their months' partitions on PostgreSQL (an id alone probes every month).
        within = UsageDaily.day.between(fetched.since, fetched.until)
        session.execute(delete(UsageDaily).where(in_values(UsageDaily.id, gone), within))
    return len(gone)


def _remove_unreported_activity(
    session: Session, fetched: FetchedWindow, provider: str, keep: set[tuple[str, date]]
) -> None:
    stored = session.execute(
        select(CodeActivityDaily.id, Person.email, CodeActivityDaily.day, CodeActivityDaily.person_id)
        .join(Person, Person.id == CodeActivityDaily.person_id)
        .where(
            CodeActivityDaily.provider == provider,
            CodeActivityDaily.day >= fetched.since,
            CodeActivityDaily.day <= fetched.until,
            Person.email.is_not(None),
        )
    ).all()
    gone = [row for row in stored if (row.email, row.day) not in keep and row.day not in fetched.days_without_report]
    if gone:
        with kept_by_writer(session) as touched:  # their pull requests counted as evidence
            for row in gone:
                touched.add(row.person_id, row.day)
            session.execute(delete(CodeActivityDaily).where(in_values(CodeActivityDaily.id, [row.id for row in gone])))


def _merge_usage(records: list[UsageRecord]) -> list[UsageRecord]:
    """One record per person · day · provider · model (two provider ids can share an email)."""
    merged: dict[tuple[Any, ...], UsageRecord] = {}
    for record in records:
        model = normalise_model_name(record.model)  # `GPT-4o` and `gpt-4o` are one model, as in every import
        key = (record.day, record.email, record.provider, model)
        found = merged.get(key)
        if found is None:
            merged[key] = UsageRecord(**{name: getattr(record, name) for name in UsageRecord.__slots__})
            merged[key].model = model
            continue
        found.input_tokens += record.input_tokens
        found.output_tokens += record.output_tokens
        found.cached_input_tokens += record.cached_input_tokens
        found.cache_write_tokens += record.cache_write_tokens
        found.requests += record.requests
        if record.cost_usd is not None:
            found.cost_usd = (found.cost_usd or Decimal(0)) + record.cost_usd
    return list(merged.values())


def _merge_activity(records: list[CodeActivityRecord]) -> list[CodeActivityRecord]:
    merged: dict[tuple[Any, ...], CodeActivityRecord] = {}
    for record in records:
        key = (record.day, record.email, record.provider)
        found = merged.setdefault(key, CodeActivityRecord(day=record.day, email=record.email, provider=record.provider))
        found.sessions += record.sessions
        found.lines_added += record.lines_added
        found.lines_removed += record.lines_removed
        found.commits += record.commits
        found.pull_requests += record.pull_requests
        found.agent_requests += record.agent_requests
        found.composer_requests += record.composer_requests
        found.chat_requests += record.chat_requests
    return list(merged.values())


def _is_are(count: int) -> str:
    return "is" if count == 1 else "are"
