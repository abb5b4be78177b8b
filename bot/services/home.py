"""App Home: a person's own weeks, titles and artifacts (what `app_home_opened` publishes)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Award, Person
from bot.domain.chart import PERSONAL_WEEKS, WeekFigures, chart_weeks, personal_chart
from bot.domain.periods import IsoWeek, weeks_ending
from bot.domain.reports import HeldTitle, Home, HomeWeek
from bot.domain.stats import PersonWeek, empty_week
from bot.services.artifacts import delete_own_artifact, person_artifacts
from bot.services.audit import views_of
from bot.services.code_activity import code_activity_by_week
from bot.services.identity import UserLookup, person_for_slack_user
from bot.services.seats import seat_cost_by_week
from bot.services.stats import person_period_figures
from bot.settings import Settings

PAST_WEEKS = 4
TREND_WEEKS = PERSONAL_WEEKS  # the chart beside the numbers reaches further back than the listed weeks
ARTIFACTS_LISTED = 20
TITLES_LISTED = 10


def home_for(session: Session, person: Person, now: datetime, settings: Settings) -> Home:
    """Everything the person's App Home shows (their own numbers only)."""
    current = IsoWeek.current(now, settings.zone)
    trend_weeks = weeks_ending(current, TREND_WEEKS)
    weeks = list(reversed(trend_weeks[-(PAST_WEEKS + 1) :]))
    cap = settings.max_counted_artifacts
    figures = person_period_figures(trend_weeks, [person.id], dialect=session.get_bind().dialect.name, cap=cap)
    by_start = {
        row.week_start: (
            PersonWeek(
                person.id,
                int(row.tokens),
                Decimal(row.spend_usd),
                int(row.active_days),
                int(row.artifacts),
                Decimal(row.work_units),
            ),
            int(row.shared_artifacts),
        )
        for row in session.execute(figures)
    }
    rows = []
    code = code_activity_by_week(session, weeks, [person.id])  # every week in one read, not one read a week
    seat_costs = seat_cost_by_week(session, weeks, [person.id])
    for week in weeks:
        stats, shared = by_start.get(week.start) or (empty_week(person.id), 0)
        seat_cost = seat_costs[week].get(person.id, Decimal(0))
        rows.append(
            HomeWeek(week, stats, week == current, code[week].get(person.id), seat_cost, shared_artifacts=shared)
        )
    awards = session.execute(
        select(Award.week_start, Award.title_key, Award.streak_weeks)
        .where(Award.person_id == person.id, Award.week_start >= weeks[-1].start)
        .order_by(Award.week_start.desc(), Award.title_key)
        .limit(TITLES_LISTED)
    ).all()
    artifacts, total = person_artifacts(session, person.id, ARTIFACTS_LISTED, cap=cap)
    trend = chart_weeks(
        trend_weeks,
        {
            w: WeekFigures(f.spend_usd, f.artifacts, f.work_units)
            for w in trend_weeks
            if (f := (by_start.get(w.start) or (None, 0))[0]) is not None
        },
        current=current,
    )
    return Home(
        name=person.name,
        weeks=rows,
        titles=[HeldTitle(IsoWeek.containing(start), key, streak) for start, key, streak in awards],
        artifacts=artifacts,
        total_artifacts=total,
        nudges_enabled=person.nudges_enabled,
        viewed_by=views_of(session, person.id, now=now),
        person_id=person.id,
        trend=personal_chart(trend, current),
        spend_public=settings.spend_public,
        max_counted_artifacts=cap,
    )


def home_of(
    session: Session, slack_user_id: str, now: datetime, settings: Settings, lookup_user: UserLookup | None = None
) -> Home | None:
    """The App Home of the person behind a Slack user; None when they are not in the people file."""
    person = person_for_slack_user(session, slack_user_id, lookup_user)
    return home_for(session, person, now, settings) if person is not None else None


def set_nudges(session: Session, person: Person, enabled: bool, now: datetime) -> None:
    person.nudges_enabled = enabled
    person.updated_at = now


def set_nudges_for(
    session: Session,
    slack_user_id: str,
    enabled: bool,
    now: datetime,
    settings: Settings,
    lookup_user: UserLookup | None = None,
) -> Home | None:
    """Turn the caller's weekly nudge on or off; their new Home, or None when they are not in the people file."""
    person = person_for_slack_user(session, slack_user_id, lookup_user)
    if person is None:
        return None
    set_nudges(session, person, enabled, now)
    return home_for(session, person, now, settings)


def delete_artifact_from_home(
    session: Session,
    slack_user_id: str,
    artifact_id: int,
    now: datetime,
    settings: Settings,
    lookup_user: UserLookup | None = None,
) -> Home | None:
    """Delete the caller's artifact (Home's Delete button); their new Home, or None when it is not theirs."""
    if not delete_own_artifact(session, slack_user_id, artifact_id, lookup_user):
        return None
    return home_of(session, slack_user_id, now, settings)
