"""The scheduler: APScheduler's BackgroundScheduler in every `serve` process, running jobs only on the leader.

Times are wall-clock times in BUILDBOARD_TIMEZONE, across daylight-saving changes: a time that
does not exist on the spring-forward day fires once, just after the jump; a time that exists
twice on the fall-back day fires once, at its first occurrence (WallClockCronTrigger).

Downtime: when a process becomes leader, every job is rescheduled from now and each calendar
job whose most recent due time has no later success in job_runs (within its grace period) runs
once, at once: a missed digest is caught up once, not once per missed tick. Every job is
idempotent, so a catch-up after a failover that did in fact run sends nothing twice.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.db import job_runs as runs
from bot.jobs.leader import LeaderElector, LeaderLease
from bot.jobs.tasks import JOBS, KEPT_ALREADY, PERIOD_HELD, JobSpec
from bot.runtime import Runtime
from bot.settings import NotConfigured, Settings
from bot.slack.delivery import default_worker_id

log = logging.getLogger(__name__)

WEEKLY_GRACE = timedelta(days=2)
DAILY_GRACE = timedelta(hours=12)
# On the digest's weekday, just after midnight, the week's nudges are queued; each is due at the
# person's own BUILDBOARD_NUDGE_LOCAL_HOUR, and the outbox job sends it then (reminders likewise).
NUDGE_TIME = time(0, 5)
# The nightly team reports: long enough after the sync (usage, evidence, seats, estimates) for it to be done.
TEAM_REPORTS_AFTER_SYNC = timedelta(hours=2)
# How soon output_weekly is rebuilt after a write forgot it (one read of app_state each time when it is kept), and
# the period sums after a write about everyone made them stale (one read of their build rows when they hold).
OUTPUT_WEEKLY_EVERY = timedelta(minutes=10)


class WallClockCronTrigger(CronTrigger):
    """CronTrigger that never fires twice for one wall-clock time (the repeated hour when clocks go back)."""

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        fire = super().get_next_fire_time(previous_fire_time, now)
        if previous_fire_time is None:
            return fire
        previous_wall = previous_fire_time.astimezone(self.timezone).replace(tzinfo=None, fold=0)
        while fire is not None and fire.astimezone(self.timezone).replace(tzinfo=None, fold=0) == previous_wall:
            fire = super().get_next_fire_time(None, _after(fire))
        return fire


def _after(moment: datetime) -> datetime:
    """One second later in absolute time (wall-clock arithmetic would undo `fold` in the repeated hour)."""
    return (moment.astimezone(UTC) + timedelta(seconds=1)).astimezone(moment.tzinfo)


def weekly_at(weekday: str, at: time, zone: ZoneInfo) -> WallClockCronTrigger:
    return WallClockCronTrigger(day_of_week=weekday, hour=at.hour, minute=at.minute, second=at.second, timezone=zone)


def _later(at: time, by: timedelta) -> time:
    """The time of day `by` after `at` (past midnight: the next day's)."""
    return (datetime.combine(date(2000, 1, 1), at) + by).time()


def daily_at(at: time, zone: ZoneInfo) -> WallClockCronTrigger:
    return WallClockCronTrigger(hour=at.hour, minute=at.minute, second=at.second, timezone=zone)


def trigger_for(spec: JobSpec, settings: Settings) -> BaseTrigger:
    zone = settings.zone
    if spec.name == "outbox":
        return IntervalTrigger(seconds=settings.outbox_interval_seconds, timezone=zone)
    if spec.name == "slack_auth_probe":
        return IntervalTrigger(seconds=settings.auth_probe_seconds, timezone=zone)
    if spec.name in ("output_weekly", "period_figures"):
        return IntervalTrigger(seconds=OUTPUT_WEEKLY_EVERY.total_seconds(), timezone=zone)
    if spec.name == "digest":
        return weekly_at(settings.digest_weekday, settings.digest_time, zone)
    if spec.name == "nudges":
        return weekly_at(settings.digest_weekday, NUDGE_TIME, zone)
    if spec.name in ("usage_sync", "evidence_sync"):
        return daily_at(settings.sync_time, zone)
    if spec.name == "slack_ids":  # people imported with --no-slack get their ids the next morning
        return daily_at(settings.sync_time, zone)
    if spec.name == "retention":
        return daily_at(settings.retention_time, zone)
    if spec.name == "estimates":  # after the day's sync, so yesterday's artifacts are sized by morning
        return daily_at(settings.sync_time, zone)
    if spec.name == "team_reports":  # after the sync and the estimates (writes about everyone), before the morning
        return daily_at(_later(settings.sync_time, TEAM_REPORTS_AFTER_SYNC), zone)
    raise ValueError(f"no schedule for job {spec.name}")


def grace_for(spec: JobSpec, settings: Settings) -> timedelta:
    if spec.schedule == "weekly":
        return WEEKLY_GRACE
    if spec.schedule == "daily":
        return DAILY_GRACE
    return timedelta(seconds=max(settings.outbox_interval_seconds, settings.auth_probe_seconds) * 2)


def latest_due(trigger: BaseTrigger, now: datetime, lookback: timedelta = timedelta(days=8)) -> datetime | None:
    """The most recent time at or before `now` when `trigger` was due (within `lookback`)."""
    latest = None
    fire = trigger.get_next_fire_time(None, now - lookback)
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire)
    return latest


def needs_catch_up(trigger: BaseTrigger, last_success: datetime | None, now: datetime, grace: timedelta) -> bool:
    """A calendar job missed its latest due time (no success since) and is still within its grace period."""
    due = latest_due(trigger, now)
    return due is not None and now - due <= grace and (last_success is None or last_success < due)


class JobScheduler:
    """Every process builds one; only the holder of the scheduler lease runs the jobs."""

    def __init__(
        self,
        rt: Runtime,
        *,
        holder: str | None = None,
        jobs: tuple[JobSpec, ...] = JOBS,
        renew_every: float | None = None,
    ) -> None:
        self.rt = rt
        settings = rt.settings
        self.lease = LeaderLease(
            rt.sessions, holder or default_worker_id(), lease_seconds=settings.leader_lease_seconds, clock=rt.clock
        )
        self.elector = LeaderElector(
            self.lease, on_elected=self._elected, on_demoted=self._demoted, renew_every=renew_every
        )
        self.scheduler = BackgroundScheduler(
            timezone=settings.zone,
            executors={"default": ThreadPoolExecutor(4)},
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        self.specs: dict[str, JobSpec] = {}
        for spec in jobs:
            self.specs[spec.name] = spec
            self.scheduler.add_job(
                self._runner(spec),
                trigger_for(spec, settings),
                id=spec.name,
                name=spec.name,
                misfire_grace_time=int(grace_for(spec, settings).total_seconds()),
            )
        self._lock = threading.Lock()

    @property
    def leading(self) -> bool:
        return self.elector.leading

    def start(self) -> None:
        self.scheduler.start(paused=True)
        self.elector.start()
        log.info("scheduler started as %s; jobs: %s", self.lease.holder, ", ".join(self.specs))

    def stop(self) -> None:
        """Clean shutdown: stop sending after the current post, wait for running jobs, give the lease up."""
        self.rt.sender.stop()
        with self._lock:  # not while the elector's thread is rescheduling the jobs of a lease it just won
            if self.scheduler.running:
                self.scheduler.shutdown(wait=True)
        self.elector.stop()

    def run_now(self, name: str) -> None:
        self.scheduler.modify_job(name, next_run_time=datetime.now(self.rt.settings.zone))

    def _elected(self) -> None:
        with self._lock:
            if not self.scheduler.running:  # stopped meanwhile (shut down, its jobs are gone): nothing to lead
                return
            now = self.rt.clock()
            for name, spec in self.specs.items():
                trigger = trigger_for(spec, self.rt.settings)
                self.scheduler.reschedule_job(name, trigger=trigger)
                if spec.schedule == "interval":
                    continue
                last = runs.last_success(self.rt.sessions, name)
                if needs_catch_up(trigger, last, now, grace_for(spec, self.rt.settings)):
                    log.info("job %s missed its last run while no process led: running it once now", name)
                    self.run_now(name)
            self.scheduler.resume()

    def _demoted(self) -> None:
        with self._lock:
            if self.scheduler.running:
                self.scheduler.pause()

    def _runner(self, spec: JobSpec):
        def run() -> None:
            if not self.elector.leading:
                # Every few seconds for the interval jobs on each replica that does not lead: DEBUG for those.
                level = logging.DEBUG if spec.schedule == "interval" else logging.INFO
                log.log(level, "job %s skipped: this process does not lead the scheduler", spec.name)
                return
            rt = self.rt
            runs.record_start(rt.sessions, spec.name, rt.clock())
            try:
                outcome = spec.run(rt)
            except NotConfigured as exc:
                # A setting the job needs is unset (`serve` runs without, say, BUILDBOARD_DIGEST_CHANNEL): one
                # line saying what to set, no traceback. A run all the same, as "GitHub not configured" is, so
                # that each start does not catch it up again.
                log.warning("job %s did nothing: %s", spec.name, exc, extra={"job": spec.name})
                runs.record_success(rt.sessions, spec.name, rt.clock())
                return
            except Exception as exc:
                log.exception("job %s failed", spec.name, extra={"job": spec.name})
                runs.record_error(rt.sessions, spec.name, rt.clock(), runs.describe_failure(exc))
                return
            runs.record_success(rt.sessions, spec.name, rt.clock())
            quiet = spec.schedule == "interval" and outcome.startswith(("sent 0,", "token", KEPT_ALREADY, PERIOD_HELD))
            level = logging.DEBUG if quiet else logging.INFO
            log.log(level, "job %s: %s", spec.name, outcome, extra={"job": spec.name})

        run.__name__ = f"job_{spec.name}"
        return run
