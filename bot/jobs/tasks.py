"""The scheduled jobs. Each is idempotent: a second run (catch-up, failover) sends nothing twice.

A job takes the Runtime and returns a one-line outcome for the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.domain.periods import IsoWeek
from bot.runtime import Runtime

log = logging.getLogger(__name__)


def send_outbox(rt: Runtime) -> str:
    """Send every due outbox row (paced; resumes what a dead process left), nudges and reminders included."""
    report = rt.sender.send_due()
    if report.sent or report.reconciled:
        _sync_nudges(rt)
    if report.errors and not (report.sent or report.reconciled or report.failed):
        return "; ".join(report.errors[:3])
    return (
        f"sent {report.sent}, reconciled {report.reconciled}, failed {report.failed}, "
        f"deferred {report.deferred}, rate-limited {report.rate_limited}"
    )


def _sync_nudges(rt: Runtime) -> None:
    """Nudges whose DM (or reminder) went out are marked so; reminders can come up to two weeks later."""
    from bot.services.nudges import sync_nudge_status

    now = rt.clock()
    last = IsoWeek.last_complete(now, rt.settings.zone)
    with rt.sessions.begin() as session:
        for week in (last, last.previous(), last.previous(2)):
            sync_nudge_status(session, week, now)


def weekly_digest(rt: Runtime) -> str:
    """The digest of the last complete week in BUILDBOARD_TIMEZONE, once per channel and week."""
    from bot.services.digest import run_digest

    now = rt.clock()
    week = IsoWeek.last_complete(now, rt.settings.zone)
    outcome = run_digest(rt.sessions, rt.sender, rt.settings, week=week, now=now, llm=rt.llm)
    if outcome.status in ("failed",):
        raise RuntimeError(outcome.message)
    return outcome.message


def weekly_nudges(rt: Runtime) -> str:
    """Queue the week's nudges, each due at the person's own local hour; the outbox job sends them."""
    from bot.services.nudges import queue_nudges

    now = rt.clock()
    week = IsoWeek.last_complete(now, rt.settings.zone)
    report = queue_nudges(rt.sessions, rt.settings, week, now, at_local_hour=True)
    return (
        f"nudges for {week}: {len(report.planned)} people chosen, {report.queued} newly queued "
        f"(each due at {rt.settings.nudge_local_hour}:00 their time), {report.already} queued earlier"
    )


def usage_sync(rt: Runtime) -> str:
    """Pull yesterday's (and any missed) usage from every configured provider; upserts, so repeatable.

    One provider failing neither stops the others nor the seats' upkeep; the run is then reported as
    failed (with each failed provider's retry command), so the job's last run says so.
    """
    from bot.services.sync import daily_sync, default_window

    now = rt.clock()
    since, until = default_window(now)  # a few days back: late provider revisions are upserted
    reports = daily_sync(rt.sessions, rt.settings, now)
    done = [f"{r.provider}: {r.rows} rows, {r.tokens} tokens" for r in reports if r.ok]
    synced = (
        "; ".join(done)
        or "no provider configured (OPENAI_ADMIN_KEY, ANTHROPIC_ADMIN_KEY, CURSOR_ADMIN_KEY, GITHUB_TOKEN + GITHUB_ORG)"
    )
    upkeep = seat_upkeep(rt, since, until)
    failed = [f"{r.provider}: {r.error}; retry with: {r.retry_command()}" for r in reports if not r.ok]
    if failed:
        raise RuntimeError("; ".join(failed))
    return f"{synced}; {upkeep}"


def seat_upkeep(rt: Runtime, since: date, until: date) -> str:
    """Seats of every source (the people file's too) charged for the recent days; idle-seat DMs queued if enabled."""
    from bot.ingest.seat_prices import SeatPrices
    from bot.services import seats

    settings = rt.settings
    with rt.sessions.begin() as session:
        upkeep = seats.seat_upkeep(
            session,
            SeatPrices.load(settings.seats_file),
            since=since,
            until=until,
            now=rt.clock(),
            idle_days=settings.idle_seat_days,
            idle_dm=settings.idle_seat_dm,
        )
    return upkeep.summary()


def evidence_sync(rt: Runtime) -> str:
    """Read the last days' merged pull requests of GITHUB_ORG as verified output (when GitHub is configured)."""
    from bot.services.evidence import github_configured, sync_github_from_settings
    from bot.services.sync import default_window

    if not github_configured(rt.settings):
        return "GitHub not configured (GITHUB_TOKEN, GITHUB_ORG): no verified evidence read"
    now = rt.clock()
    since, until = default_window(now)
    report = sync_github_from_settings(rt.sessions, rt.settings, since, until, now)
    if not report.ok:
        raise RuntimeError(f"{report.error}; retry with: {report.retry_command()}")
    return "; ".join(report.summary_lines())


def retention(rt: Runtime) -> str:
    """Fold per-person usage older than the retention period into anonymous totals."""
    from bot.services.retention import run_retention

    return run_retention(rt.sessions, rt.settings, rt.clock()).summary()


def work_unit_estimates(rt: Runtime) -> str:
    """Estimate artifacts that still have none (new ones, or ones whose estimate failed earlier)."""
    from bot.services.estimates import estimate_pending

    if rt.llm is None:
        return "no LLM client (OPENAI_API_KEY unset or BUILDBOARD_LLM_ENABLED=false): work units stay as they are"
    return estimate_pending(rt.sessions, rt.llm, now=rt.clock(), rules=rt.settings.claim_rules).summary()


def slack_ids(rt: Runtime) -> str:
    """Find the Slack ids of people who have none (after `org import --no-slack`), in one pass over users.list."""
    from bot.services.slack_directory import PAGE_LIMIT, resolve_slack_ids_from_directory

    if rt.settings.slack_bot_token is None:
        return "no SLACK_BOT_TOKEN: Slack ids are not looked up"
    return resolve_slack_ids_from_directory(
        rt.sessions, lambda cursor: rt.slack.users_list(cursor=cursor, limit=PAGE_LIMIT)
    ).summary()


def team_reports(rt: Runtime) -> str:
    """Keep every manager's default `/buildboard team` report, computed after the night's sync and estimates."""
    from bot.services.team import keep_team_reports

    return keep_team_reports(rt.sessions, rt.settings, rt.clock(), quick_writes=rt.quick_writes_engine).summary()


KEPT_ALREADY = "output_weekly kept already"  # the job's outcome when it had nothing to do (logged at DEBUG)


def keep_output_weekly(rt: Runtime) -> str:
    """Rebuild output_weekly when a write forgot it (an upgrade, an operator's own SQL, a new
    BUILDBOARD_MAX_COUNTED_ARTIFACTS), so that team reports read it again within minutes, not the next night."""
    from bot.db.output_weekly import being_rebuilt, kept_for, rebuild_output_weekly

    cap = rt.settings.max_counted_artifacts
    with rt.sessions() as session:
        if kept_for(session) == cap:
            return KEPT_ALREADY
        if being_rebuilt(session):  # by `db rebuild-rollup` or the nightly job: one rebuild at a time
            return "output_weekly is being rebuilt by another run"
    written = rebuild_output_weekly(rt.sessions, cap)
    if written is None:
        return "output_weekly was forgotten again by a write while it was rebuilt: next run"
    return f"output_weekly rebuilt, person-weeks written: {written:,}"


PERIOD_HELD = "period_figures hold"  # the job's outcome when they held (logged at DEBUG)


def keep_period_figures(rt: Runtime) -> str:
    """Build each person's sums over the usual team periods and the flag candidates when a new week or a write
    about everyone (an import, an org change, seats) made them stale, so that large groups' reports read them
    again within minutes, not the next night."""
    from bot.domain.periods import IsoWeek
    from bot.services.period_figures import built_summary, ensure_period_figures

    now = rt.clock()
    last = IsoWeek.last_complete(now, rt.settings.zone)
    built = ensure_period_figures(rt.sessions, last, rt.settings, now)
    if built is None:
        return PERIOD_HELD
    return f"period_figures built for the weeks to {last}: {built_summary(built)}"


def probe_slack_auth(rt: Runtime) -> str:
    """While Slack refuses the token, ask auth.test now and then; sending resumes once it is accepted."""
    if rt.sender.auth_error() is None:
        return "token fine"
    error = rt.sender.probe_auth()
    return f"Slack still refuses the token ({error})" if error else "Slack accepts the token again"


@dataclass(frozen=True)
class JobSpec:
    name: str
    run: Callable[[Runtime], str]
    schedule: str  # interval | weekly | daily


JOBS: tuple[JobSpec, ...] = (
    JobSpec("outbox", send_outbox, "interval"),
    JobSpec("slack_auth_probe", probe_slack_auth, "interval"),
    JobSpec("output_weekly", keep_output_weekly, "interval"),
    JobSpec("period_figures", keep_period_figures, "interval"),
    JobSpec("digest", weekly_digest, "weekly"),
    JobSpec("nudges", weekly_nudges, "weekly"),
    JobSpec("usage_sync", usage_sync, "daily"),
    JobSpec("evidence_sync", evidence_sync, "daily"),
    JobSpec("slack_ids", slack_ids, "daily"),
    JobSpec("retention", retention, "daily"),
    JobSpec("estimates", work_unit_estimates, "daily"),
    JobSpec("team_reports", team_reports, "daily"),
)
