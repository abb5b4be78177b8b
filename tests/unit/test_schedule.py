"""The schedule in BUILDBOARD_TIMEZONE across daylight-saving changes, and catching up after downtime."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from bot.jobs.schedule import daily_at, latest_due, needs_catch_up, trigger_for, weekly_at
from bot.jobs.tasks import JOBS
from bot.settings import Settings

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def fires(trigger, start: datetime, count: int) -> list[datetime]:
    out, previous, now = [], None, start
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        out.append(fire)
        previous = now = fire
    return out


def test_the_weekly_digest_keeps_its_local_time_when_clocks_go_forward():
    trigger = weekly_at("mon", time(9, 0), BERLIN)
    got = fires(trigger, datetime(2026, 3, 20, tzinfo=BERLIN), 3)
    assert [f.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M") for f in got] == [
        "2026-03-23 09:00",
        "2026-03-30 09:00",  # the first Monday of summer time: still 09:00 local
        "2026-04-06 09:00",
    ]
    assert [f.astimezone(UTC).hour for f in got] == [8, 7, 7]
    assert got[1].astimezone(UTC) - got[0].astimezone(UTC) == timedelta(days=7) - timedelta(hours=1)


def test_a_time_missing_on_the_spring_forward_day_still_fires_that_week():
    # 02:30 does not exist in Berlin on 29 March 2026: fire once, just after the jump.
    got = fires(weekly_at("sun", time(2, 30), BERLIN), datetime(2026, 3, 20, tzinfo=BERLIN), 3)
    assert [f.astimezone(BERLIN).date().isoformat() for f in got] == ["2026-03-22", "2026-03-29", "2026-04-05"]
    assert got[1].astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_a_time_repeated_on_the_fall_back_day_fires_once():
    # 02:30 happens twice in Berlin on 25 October 2026; APScheduler's plain CronTrigger fires at both.
    got = fires(weekly_at("sun", time(2, 30), BERLIN), datetime(2026, 10, 20, tzinfo=BERLIN), 3)
    assert [f.astimezone(BERLIN).date().isoformat() for f in got] == ["2026-10-25", "2026-11-01", "2026-11-08"]
    assert got[0].astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # the first 02:30 (summer time)
    daily = fires(daily_at(time(1, 30), NEW_YORK), datetime(2026, 10, 31, 12, tzinfo=NEW_YORK), 3)
    assert [f.astimezone(NEW_YORK).date().isoformat() for f in daily] == ["2026-11-01", "2026-11-02", "2026-11-03"]


@pytest.mark.parametrize("zone", [BERLIN, NEW_YORK, ZoneInfo("Australia/Sydney"), ZoneInfo("UTC")])
@pytest.mark.parametrize("at", [time(2, 30), time(9, 0), time(0, 0)])
def test_a_year_of_weekly_runs_has_one_run_per_week_and_no_gap(zone, at):
    got = fires(weekly_at("sun", at, zone), datetime(2026, 1, 1, tzinfo=zone), 53)
    local_days = [f.astimezone(zone).date() for f in got]
    assert all(b - a == timedelta(days=7) for a, b in zip(local_days, local_days[1:], strict=False))
    assert len({d.isocalendar()[:2] for d in local_days}) == 53


def test_triggers_follow_the_settings():
    settings = Settings(
        _env_file=None,
        timezone="Europe/Berlin",
        digest_weekday="tue",
        digest_time=time(7, 45),
        outbox_interval_seconds=3,
    )
    by_name = {spec.name: spec for spec in JOBS}
    digest = trigger_for(by_name["digest"], settings)
    first = digest.get_next_fire_time(None, datetime(2026, 11, 28, tzinfo=UTC))
    assert first.astimezone(BERLIN).strftime("%a %H:%M") == "Tue 07:45"
    outbox = trigger_for(by_name["outbox"], settings)
    assert isinstance(outbox, IntervalTrigger) and outbox.interval == timedelta(seconds=3)
    output = trigger_for(by_name["output_weekly"], settings)  # rebuilt within minutes of a write forgetting it
    assert isinstance(output, IntervalTrigger) and output.interval == timedelta(minutes=10)
    period = trigger_for(by_name["period_figures"], settings)  # built again within minutes of a write about everyone
    assert isinstance(period, IntervalTrigger) and period.interval == timedelta(minutes=10)
    # Every job has a schedule.
    assert {name: type(trigger_for(spec, settings)).__name__ for name, spec in by_name.items()}.keys() == {
        "outbox",
        "slack_auth_probe",
        "output_weekly",
        "period_figures",
        "digest",
        "nudges",
        "usage_sync",
        "evidence_sync",
        "slack_ids",
        "retention",
        "estimates",
        "team_reports",
    }
    # The nightly team reports come two hours after the sync, past midnight into the next day if need be.
    sync = Settings(_env_file=None, timezone="Europe/Berlin", sync_time=time(23, 30))
    reports = trigger_for(by_name["team_reports"], sync).get_next_fire_time(None, datetime(2026, 11, 28, tzinfo=UTC))
    assert reports.astimezone(BERLIN).strftime("%H:%M") == "01:30"


def test_a_missed_digest_is_caught_up_once_and_only_within_grace():
    trigger = weekly_at("mon", time(9, 0), BERLIN)
    monday_run = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 Berlin
    tuesday = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert latest_due(trigger, tuesday) == monday_run
    grace = timedelta(days=2)
    assert needs_catch_up(trigger, None, tuesday, grace)
    assert needs_catch_up(trigger, datetime(2026, 11, 16, 8, 1, tzinfo=UTC), tuesday, grace)  # last week's run
    # Once it has run (by whichever process), it is not run again.
    assert not needs_catch_up(trigger, datetime(2026, 11, 24, 12, 0, 5, tzinfo=UTC), tuesday, grace)
    # Too late: the next regular run will do.
    assert not needs_catch_up(trigger, None, datetime(2026, 11, 27, 12, 0, tzinfo=UTC), grace)
