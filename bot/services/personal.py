"""A person's own numbers and choices: what `/buildboard me`, `leaderboard` and `privacy` answer the caller."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from bot.db.models import Person
from bot.domain.periods import IsoWeek
from bot.domain.reports import Leaderboard, MyNumbers, MyWeek, PrivacySetting, StoredAbout
from bot.domain.stats import empty_week
from bot.services.artifacts import weeks_artifacts
from bot.services.audit import views_of
from bot.services.code_activity import code_activity_by_week
from bot.services.flags import flags_for_people
from bot.services.identity import UserLookup, person_for_slack_user
from bot.services.leaderboard import current_leaderboard
from bot.services.privacy import set_public_opt_out
from bot.services.seats import seat_cost_by_week
from bot.services.standings import WeekStandings
from bot.services.stats import people_weeks
from bot.services.team import titles_of
from bot.services.transparency import stored_about
from bot.settings import Settings


def my_weeks(
    session: Session,
    person: Person,
    weeks: Sequence[IsoWeek],
    settings: Settings,
    standings: WeekStandings | None = None,
) -> list[MyWeek]:
    """The person's numbers for each of `weeks` and where they stand, each kind of figure read for every week
    at once (one round trip each for `/buildboard me`'s two weeks).

    The position comes from the week's ranking sorted once (`standings`: the one the process keeps, so
    callers share it while the figures hold; a fresh one sorts the week for this answer alone).
    """
    cap = settings.max_counted_artifacts
    figures = people_weeks(session, weeks, [person.id], cap=cap)
    artifacts = weeks_artifacts(session, person.id, weeks, cap)
    code = code_activity_by_week(session, weeks, [person.id])
    seat_cost = seat_cost_by_week(session, weeks, [person.id])
    ranking = standings or WeekStandings()
    answer = []
    for week in weeks:
        mine = figures[week].get(person.id) or empty_week(person.id)
        standing = ranking.standing(session, week, mine, cap=cap, rank_by=settings.rank_by)
        answer.append(
            MyWeek(
                week,
                mine,
                standing.position,
                standing.ranked_people,
                artifacts[week],
                code[week].get(person.id),
                seat_cost[week].get(person.id, Decimal(0)),
            )
        )
    return answer


def current_and_last_week(now: datetime, settings: Settings) -> tuple[IsoWeek, IsoWeek]:
    current = IsoWeek.current(now, settings.zone)
    return current, current.previous()


def my_numbers(
    session: Session,
    slack_user_id: str,
    now: datetime,
    settings: Settings,
    lookup_user: UserLookup | None = None,
    standings: WeekStandings | None = None,
) -> MyNumbers | None:
    """`/buildboard me`: the caller's own numbers; None when they are not in the people file.

    `standings`: the process's kept week rankings (Runtime.week_standings); without, each week is sorted here.
    """
    person = person_for_slack_user(session, slack_user_id, lookup_user)
    if person is None:
        return None
    current, last = current_and_last_week(now, settings)
    this_week, last_week = my_weeks(session, person, [current, last], settings, standings)
    return MyNumbers(
        current=this_week,
        last=last_week,
        viewed_by=views_of(session, person.id, now=now),
        titles=titles_of(session, person.id, [last, current], settings),
        flags=flags_for_people(session, [person.id], last, settings).get(person.id, []),
        spend_public=settings.spend_public,
    )


def my_stored_data(
    session: Session, slack_user_id: str, now: datetime, settings: Settings, lookup_user: UserLookup | None = None
) -> StoredAbout | None:
    """`/buildboard me data`: everything stored about the caller; None when they are not in the people file."""
    person = person_for_slack_user(session, slack_user_id, lookup_user)
    if person is None:
        return None
    return stored_about(session, person, flags_week=current_and_last_week(now, settings)[1], settings=settings)


def my_leaderboard(
    session: Session,
    slack_user_id: str,
    now: datetime,
    settings: Settings,
    lookup_user: UserLookup | None = None,
    standings: WeekStandings | None = None,
) -> Leaderboard | None:
    """`/buildboard leaderboard`: the public board with the caller's own line; None when not in the people file.

    `standings`: the process's kept week rankings (Runtime.week_standings), as for `/buildboard me`.
    """
    viewer = person_for_slack_user(session, slack_user_id, lookup_user)
    if viewer is None:
        return None
    return current_leaderboard(session, now, settings, viewer, standings)


def set_my_privacy(
    session: Session,
    slack_user_id: str,
    public_opt_out: bool | None,
    now: datetime,
    lookup_user: UserLookup | None = None,
) -> PrivacySetting | None:
    """Keep the caller's name out of public posts, or not (None: only read the setting).

    None when the caller is not in the people file.
    """
    person = person_for_slack_user(session, slack_user_id, lookup_user)
    if person is None:
        return None
    if public_opt_out is None:
        return PrivacySetting(person.public_opt_out, changed=False)
    changed = set_public_opt_out(person, public_opt_out, now=now)
    return PrivacySetting(public_opt_out, changed)
