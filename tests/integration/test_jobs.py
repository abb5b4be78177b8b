"""The scheduled jobs themselves, run in-process: each does its work once, and job_runs records it."""

import logging

from sqlalchemy import func, select, text

from bot.db.leases import current_leader
from bot.db.models import AppState, JobRun, Nudge, PeriodFigures
from bot.db.output_weekly import STATE_KEY, kept_for, kept_output
from bot.domain.command_args import DEFAULT_TEAM_WEEKS
from bot.domain.periods import IsoWeek
from bot.jobs.leader import LeaderLease
from bot.jobs.schedule import JobScheduler
from bot.jobs.tasks import (
    JOBS,
    KEPT_ALREADY,
    PERIOD_HELD,
    keep_output_weekly,
    keep_period_figures,
    retention,
    usage_sync,
    weekly_digest,
    weekly_nudges,
)
from bot.runtime import Runtime
from bot.services.period_figures import KEPT_SPANS, built_version
from tests.conftest import DIGEST_CHANNEL, NOW, assert_output_weekly_matches_output
from tests.support.artifacts import add_artifact
from tests.support.organisation import load_org


def test_weekly_jobs_are_idempotent(rt, slack):
    load_org(rt.sessions)
    assert "posted the digest" in weekly_digest(rt)
    assert "already posted" in weekly_digest(rt)
    assert len([m for m in slack.messages_in(DIGEST_CHANNEL) if not m.get("thread_ts")]) == 1
    first = weekly_nudges(rt)
    assert "newly queued" in first and "0 newly queued" not in first
    assert "0 newly queued" in weekly_nudges(rt)
    with rt.sessions() as session:
        people = session.scalars(select(Nudge.person_id)).all()
    assert people and len(people) == len(set(people))
    assert "no provider configured" in usage_sync(rt)
    assert isinstance(retention(rt), str)


def test_a_job_whose_setting_is_missing_says_so_in_one_line(settings, engine, sessions, slack, caplog):
    """`serve` runs without BUILDBOARD_DIGEST_CHANNEL; its digest job (also run once on start when no process led
    at its hour) logs what to set in one line, without a traceback, posts nothing, and counts as run (a start
    does not catch it up again)."""
    runtime = Runtime(settings.model_copy(update={"digest_channel": None}), clock=lambda: NOW)
    runtime.__dict__["engine"], runtime.__dict__["sessions"] = engine, sessions
    load_org(sessions)
    scheduler = JobScheduler(runtime, holder="replica-a")
    scheduler.scheduler.start(paused=True)
    try:
        scheduler.elector._tick()  # leads
        with caplog.at_level(logging.INFO, logger="bot.jobs.schedule"):
            scheduler._runner(next(spec for spec in JOBS if spec.name == "digest"))()
    finally:
        scheduler.scheduler.shutdown(wait=True)
    [record] = [r for r in caplog.records if "job digest" in r.getMessage()]
    assert record.getMessage().startswith("job digest did nothing: BUILDBOARD_DIGEST_CHANNEL is not set")
    assert record.exc_info is None and "\n" not in record.getMessage()
    assert not slack.messages_in(DIGEST_CHANNEL)
    with sessions() as session:
        run = session.get(JobRun, "digest")
        assert run.last_success_at is not None and run.last_error is None


def test_only_the_lease_holder_runs_jobs_and_job_runs_records_them(rt, slack):
    scheduler = JobScheduler(rt, holder="replica-a")
    scheduler.scheduler.start(paused=True)  # as start() does, without the elector's thread
    try:
        _lead_and_run(rt, scheduler)
    finally:
        scheduler.scheduler.shutdown(wait=True)


def _lead_and_run(rt, scheduler):
    other = LeaderLease(rt.sessions, "replica-b", clock=rt.clock)
    assert other.try_acquire()  # replica-b leads
    runner = scheduler._runner(next(spec for spec in JOBS if spec.name == "outbox"))
    scheduler.elector._tick()
    assert not scheduler.leading
    runner()
    with rt.sessions() as session:
        assert session.get(JobRun, "outbox") is None
    other.release()
    scheduler.elector._tick()  # takes the free lease, catches up, resumes the (unstarted) scheduler
    assert scheduler.leading and current_leader(rt.sessions).holder == "replica-a"
    runner()
    with rt.sessions() as session:
        run = session.get(JobRun, "outbox")
        assert run.last_success_at is not None and run.last_error is None


def test_a_lease_won_as_serve_stops_reschedules_nothing(rt, slack):
    """The elector's thread can win the lease while `serve` shuts the scheduler down: no job is looked up then."""
    scheduler = JobScheduler(rt, holder="replica-a")
    scheduler.scheduler.start(paused=True)
    scheduler.stop()  # shuts the scheduler down (its jobs are gone) and gives the lease up
    scheduler.elector._tick()  # the thread's tick that was already under way wins the free lease
    assert not scheduler.scheduler.running
    scheduler.elector.stop()
    assert current_leader(rt.sessions) is None


def test_output_weekly_is_rebuilt_by_the_next_run_after_a_write_forgot_it(rt, engine, caplog):
    """An operator's own SQL (or an upgrade, or a new cap) leaves output_weekly not kept: the `output_weekly` job
    rebuilds it within its interval instead of the next night; when it is kept, a run is one quiet read."""
    load_org(rt.sessions)
    week = IsoWeek.parse("2026-W47")
    add_artifact(rt.sessions, "dan@example.com", week, "Checker", units="2")
    cap = rt.settings.max_counted_artifacts
    scheduler = JobScheduler(rt, holder="replica-a")  # not started: the catch-up of the other jobs stays out of this
    runner = scheduler._runner(next(spec for spec in JOBS if spec.name == "output_weekly"))
    scheduler.elector._tick()  # leads
    assert scheduler.leading
    with caplog.at_level(logging.INFO, logger="bot.jobs.schedule"):
        runner()
    assert not [r for r in caplog.records if "output_weekly" in r.getMessage()]  # kept already: DEBUG only
    with engine.begin() as connection:  # the operator's own SQL: the output changes, nothing refreshes it
        connection.execute(text("UPDATE artifacts SET work_units = 5"))
    with rt.sessions() as session:
        assert kept_for(session) is None
    with caplog.at_level(logging.INFO, logger="bot.jobs.schedule"):
        runner()
    [record] = [r for r in caplog.records if "job output_weekly" in r.getMessage()]
    assert record.getMessage() == "job output_weekly: output_weekly rebuilt, person-weeks written: 1"
    scheduler.elector.stop()
    with rt.sessions() as session:
        assert kept_for(session) == cap
        [row] = session.execute(kept_output([week.start])).all()
        assert row.work_units == 5
        assert session.get(JobRun, "output_weekly").last_success_at is not None
    assert_output_weekly_matches_output(engine)
    assert keep_output_weekly(rt) == KEPT_ALREADY
    # Another run's rebuild under way (or interrupted) is left to it: one rebuild at a time.
    with rt.sessions.begin() as session:
        session.get(AppState, STATE_KEY).value = f"building:{cap}:another-run"
    assert keep_output_weekly(rt) == "output_weekly is being rebuilt by another run"
    with rt.sessions() as session:
        assert session.get(AppState, STATE_KEY).value == f"building:{cap}:another-run"


def test_period_figures_are_built_by_the_next_run_after_a_write_about_everyone(rt, engine, caplog):
    """The `period_figures` job builds the default team period's sums when nothing holds them (an upgrade, a
    new week, a write about everyone since), and is one quiet read while they hold: a share (a write about one
    person) leaves them held, a rename (a write about everyone) makes the next run build them again."""
    load_org(rt.sessions)
    last = IsoWeek.last_complete(NOW, rt.settings.zone)
    cap = rt.settings.max_counted_artifacts
    add_artifact(rt.sessions, "dan@example.com", last, "Checker", units="2")
    scheduler = JobScheduler(rt, holder="replica-a")
    runner = scheduler._runner(next(spec for spec in JOBS if spec.name == "period_figures"))
    scheduler.elector._tick()  # leads
    with rt.sessions() as session:
        assert built_version(session, last.start, DEFAULT_TEAM_WEEKS, cap) is None  # nothing built yet
    with caplog.at_level(logging.INFO, logger="bot.jobs.schedule"):
        runner()
    with rt.sessions() as session:
        built = dict(session.execute(select(PeriodFigures.weeks, func.count()).group_by(PeriodFigures.weeks)).all())
        assert all(built_version(session, last.start, weeks, cap) is not None for weeks in KEPT_SPANS)
    assert set(built) == set(KEPT_SPANS) and min(built.values()) > 0
    [record] = [r for r in caplog.records if "job period_figures" in r.getMessage()]
    assert record.getMessage() == f"job period_figures: period_figures built for the weeks to {last}: " + "; ".join(
        f"{weeks} week{'s' if weeks > 1 else ''}: {built[weeks]:,} people" for weeks in sorted(KEPT_SPANS, reverse=True)
    )
    caplog.clear()
    add_artifact(rt.sessions, "dan@example.com", last, "Another", units="1")  # about one person: still held
    with caplog.at_level(logging.INFO, logger="bot.jobs.schedule"):
        runner()
    assert not [r for r in caplog.records if "period_figures" in r.getMessage()]  # held: DEBUG only
    assert keep_period_figures(rt) == PERIOD_HELD
    with engine.begin() as connection:  # about everyone: the sums are not read until built again
        connection.execute(text("UPDATE people SET name = 'Renamed' WHERE email = 'dan@example.com'"))
    with rt.sessions() as session:
        assert built_version(session, last.start, DEFAULT_TEAM_WEEKS, cap) is None
    assert keep_period_figures(rt).startswith("period_figures built for")
    scheduler.elector.stop()
    with rt.sessions() as session:
        assert built_version(session, last.start, DEFAULT_TEAM_WEEKS, cap) is not None
        assert session.get(JobRun, "period_figures").last_success_at is not None
