"""Verified evidence: merged pull requests from GitHub, stored once each, and the work units they add.

`sync_github` reads the merged PRs of a period window by window (each small enough for the search
API), fetches each window whole before writing, then writes it in one transaction: one row per PR
(upserted on repository · number), with whether it counts and, if not, why. A window whose fetch
fails writes nothing and names the command to retry from there.

The work units counted PRs add to a person's week are SQL beside the other terms of counted output
(bot/db/earned_units.verified_pr_units, read by bot/db/output.person_output).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Person, VerifiedPullRequest
from bot.db.value_sets import in_values
from bot.domain.evidence import (
    DEFAULT_UNITS_PER_PR,
    MAX_COUNTED_PRS,
    AiTool,
    PullRequestFacts,
    ai_tool_of,
    approved_by_another,
    co_authors,
    is_bot,
    load_ai_tools,
    reverted_title,
    reverts,
    why_not_counted,
)
from bot.domain.periods import IsoWeek
from bot.ingest.provider_api import ProviderError
from bot.services.ports import PullRequestSource
from bot.settings import Settings


@dataclass
class EvidenceSyncReport:
    """What one `sync_github` call did."""

    since: date
    until: date
    windows: int = 0
    pull_requests: int = 0
    counted: int = 0
    not_counted: dict[str, int] = field(default_factory=dict)  # reason → PRs
    unmatched: int = 0
    error: str | None = None
    failed_since: date | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def retry_command(self) -> str | None:
        if self.failed_since is None:
            return None
        return f"buildboard evidence sync github --since {self.failed_since} --until {self.until}"

    def summary_lines(self) -> list[str]:
        lines = [
            f"github: {self.since} to {self.until}: {self.pull_requests} merged pull requests in {self.windows} "
            f"windows, {self.counted} counted as verified output"
        ]
        for reason, count in sorted(self.not_counted.items(), key=lambda item: (-item[1], item[0])):
            lines.append(f"  not counted ({count}): {reason}")
        return lines


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def sync_github(
    sessions: sessionmaker[Session],
    source: PullRequestSource,
    tools: tuple[AiTool, ...],
    since: date,
    until: date,
    now: datetime,
    zone: ZoneInfo,
) -> EvidenceSyncReport:
    """Read and store the PRs merged from `since` to `until` (UTC days, inclusive)."""
    report = EvidenceSyncReport(since, until)
    start, end = _day_start(since), _day_start(until + timedelta(days=1)) - timedelta(seconds=1)
    try:
        windows = source.windows(start, end)
    except ProviderError as exc:
        report.error, report.failed_since = str(exc), since
        return report
    for window in windows:
        try:
            pulls = source.fetch(window)
        except ProviderError as exc:
            report.error, report.failed_since = str(exc), window[0].astimezone(UTC).date()
            return report
        with sessions.begin() as session:
            for pr in pulls:
                row = store_pull_request(session, pr, tools, now=now, zone=zone)
                report.pull_requests += 1
                if row.person_id is None:
                    report.unmatched += 1
        report.windows += 1
    with sessions() as session:  # the outcome after reverts were applied across windows
        for counted, reason, number in session.execute(
            select(VerifiedPullRequest.counted, VerifiedPullRequest.reason, func.count())
            .where(VerifiedPullRequest.merged_at >= start, VerifiedPullRequest.merged_at <= end)
            .group_by(VerifiedPullRequest.counted, VerifiedPullRequest.reason)
        ):
            if counted:
                report.counted += int(number)
            else:
                key = _reason_kind(reason or "")
                report.not_counted[key] = report.not_counted.get(key, 0) + int(number)
    return report


def _reason_kind(reason: str) -> str:
    """Reasons without their numbers, so the summary groups them ("changes 2 lines" → "too few lines")."""
    if reason.startswith("changes "):
        return "fewer changed lines than needed"
    if reason.startswith("merged into "):
        return "not merged into the default branch"
    if reason.startswith("reverted by"):
        return "reverted"
    if reason.startswith("reverts"):
        return "a revert"
    return reason


def _person_for(session: Session, pr: PullRequestFacts) -> Person | None:
    """The PR's author in the people file: by GitHub login, else by a commit's author email."""
    logins = [login.lower() for login in (pr.author_login, *(c.author_login for c in pr.commits)) if login]
    logins = [login for login in dict.fromkeys(logins) if not is_bot(login)]
    usable = and_(Person.in_org.is_(True), Person.forgotten_at.is_(None))
    if logins:
        by_login = {
            p.github_login: p
            for p in session.scalars(select(Person).where(in_values(Person.github_login, logins), usable))
        }
        for login in logins:
            if login in by_login:
                return by_login[login]
    emails = [c.author_email.lower() for c in pr.commits if c.author_email and not is_bot(c.author_login)]
    for commit in pr.commits:  # a bot's PR names the person it worked for in a trailer
        emails.extend(who.rsplit("<", 1)[-1].rstrip(">").strip().lower() for who in co_authors(commit.message))
    emails = [e for e in dict.fromkeys(emails) if "@" in e and "noreply" not in e]
    if emails:
        by_email = {p.email: p for p in session.scalars(select(Person).where(in_values(Person.email, emails), usable))}
        for email in emails:
            if email in by_email:
                return by_email[email]
    return None


def store_pull_request(
    session: Session, pr: PullRequestFacts, tools: tuple[AiTool, ...], *, now: datetime, zone: ZoneInfo
) -> VerifiedPullRequest:
    """Insert or update the PR's row, judged by the rules; a revert takes its original out (and back on re-sync)."""
    person = _person_for(session, pr)
    tool = ai_tool_of(pr, tools)
    authors = {login.lower() for login in (pr.author_login, person.github_login if person else None) if login}
    reason = why_not_counted(pr, ai_tool=tool, author_logins=authors, matched=person is not None)
    original_title = reverted_title(pr.title)
    row = session.scalar(
        select(VerifiedPullRequest).where(
            VerifiedPullRequest.repository == pr.repository, VerifiedPullRequest.number == pr.number
        )
    )
    if row is None:
        row = VerifiedPullRequest(repository=pr.repository, number=pr.number)
        session.add(row)
    row.person_id = person.id if person else None
    row.author_login = pr.author_login
    row.title = pr.title[:300]
    row.url = pr.url[:500] if pr.url else None
    row.merged_at = pr.merged_at
    row.week_start = IsoWeek.containing(pr.merged_at.astimezone(zone).date()).start
    row.base_ref = pr.base_ref[:200]
    row.changed_lines = pr.changed_lines
    row.ai_tool = tool
    row.approved = approved_by_another(pr, authors)
    row.reverted_by = None
    row.synced_at = now
    if original_title is not None and reason is None:
        reason = "reverts an earlier PR: not new output"
    # A merged revert within the window takes the original out, whichever of the two was synced first.
    revert = session.scalar(
        select(VerifiedPullRequest).where(
            VerifiedPullRequest.repository == pr.repository,
            VerifiedPullRequest.title == f'Revert "{pr.title}"'[:300],
            VerifiedPullRequest.number != pr.number,
        )
    )
    if revert is not None and reverts(revert.merged_at, pr.merged_at):
        row.reverted_by = revert.number
        reason = f"reverted by #{revert.number}"
    row.counted, row.reason = reason is None, reason
    session.flush()
    if original_title is not None:
        originals = session.scalars(
            select(VerifiedPullRequest).where(
                VerifiedPullRequest.repository == pr.repository,
                VerifiedPullRequest.title == original_title,
                VerifiedPullRequest.number != pr.number,
            )
        )
        for original in originals:
            if reverts(pr.merged_at, original.merged_at):
                original.counted, original.reverted_by = False, pr.number
                original.reason = f"reverted by #{pr.number}"
    return row


@dataclass(frozen=True)
class EvidenceRow:
    """One verified PR as `buildboard export evidence` lists it."""

    email: str | None
    repository: str
    number: int
    title: str
    merged_at: datetime
    ai_tool: str | None
    work_units: Decimal
    counted: bool
    reason: str | None


def evidence_rows(
    session: Session, weeks: Iterable[IsoWeek] | None = None, *, units_per_pr: Decimal = DEFAULT_UNITS_PER_PR
) -> list[EvidenceRow]:
    """Every stored PR (optionally only `weeks`), newest first; work units as counted after the weekly cap."""
    query = (
        select(VerifiedPullRequest, Person.email)
        .outerjoin(Person, Person.id == VerifiedPullRequest.person_id)
        .order_by(VerifiedPullRequest.merged_at, VerifiedPullRequest.repository, VerifiedPullRequest.number)
    )
    if weeks is not None:
        query = query.where(VerifiedPullRequest.week_start.in_([w.start for w in weeks]))
    rows: list[EvidenceRow] = []
    counted_so_far: dict[tuple[int | None, date], int] = {}
    for pr, email in session.execute(query):
        units = Decimal(0)
        if pr.counted:
            key = (pr.person_id, pr.week_start)
            counted_so_far[key] = counted_so_far.get(key, 0) + 1
            if counted_so_far[key] <= MAX_COUNTED_PRS:
                units = units_per_pr
        rows.append(
            EvidenceRow(
                email, pr.repository, pr.number, pr.title, pr.merged_at, pr.ai_tool, units, pr.counted, pr.reason
            )
        )
    rows.reverse()
    return rows


def forget_pull_requests(session: Session, person_id: int) -> int:
    """Delete a forgotten person's PR rows (titles and links identify them); returns how many."""
    result = session.execute(delete(VerifiedPullRequest).where(VerifiedPullRequest.person_id == person_id))
    return int(getattr(result, "rowcount", 0) or 0)


__all__ = [
    "EvidenceRow",
    "EvidenceSyncReport",
    "evidence_rows",
    "forget_pull_requests",
    "github_configured",
    "store_pull_request",
    "sync_github",
    "sync_github_from_settings",
]


def github_configured(settings: Settings) -> bool:
    """The daily job reads GitHub only when both GITHUB_TOKEN and GITHUB_ORG are set."""
    return bool(settings.github_token and settings.github_token.get_secret_value() and settings.github_org)


def sync_github_from_settings(
    sessions: sessionmaker[Session], settings: Settings, since: date, until: date, now: datetime
) -> EvidenceSyncReport:
    """`buildboard evidence sync github` and the daily job: the real GitHub client, the configured AI tools."""
    from bot.ingest.github_prs import GitHubPulls  # githubkit is large: only a sync pays for importing it

    tools = load_ai_tools(settings.ai_tools_file)
    source = GitHubPulls.from_settings(settings)
    try:
        return sync_github(sessions, source, tools, since, until, now, settings.zone)
    finally:
        source.close()
