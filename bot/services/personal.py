"""A person's own numbers and choices: what `/buildboard me`, `leaderboard` and `privacy` answer the caller."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, Subquery, and_, case, func, or_, select
from sqlalchemy.orm import Session

from bot.db.models import Person
from bot.domain.periods import IsoWeek
from bot.domain.ranking import RankBy, rank_key
from bot.domain.reports import Leaderboard, MyNumbers, MyWeek, PrivacySetting, StoredAbout
from bot.domain.stats import PersonWeek
from bot.services.artifacts import week_artifacts
from bot.services.audit import views_of
from bot.services.code_activity import code_activity_by_person
from bot.services.flags import flags_for_people
from bot.services.identity import UserLookup, person_for_slack_user
from bot.services.leaderboard import current_leaderboard
from bot.services.privacy import set_public_opt_out
from bot.services.seats import seat_cost_by_person
from bot.services.stats import person_week_from_row, person_weeks, ranked_weeks_subquery
from bot.services.team import titles_of
from bot.services.transparency import stored_about
from bot.settings import Settings


def empty_week(person_id: int) -> PersonWeek:
    return PersonWeek(person_id, 0, Decimal(0), 0, 0, Decimal(0))


def my_week(session: Session, person: Person, week: IsoWeek, settings: Settings) -> MyWeek:
    """The person's numbers for `week` and where they stand.

    The position is counted in the database (people clearly ahead, plus the few tied on the ranking's
    first figures, ordered by the domain's rank_key), so one person's answer never loads the whole
    organisation's week.
    """
    cap = settings.max_counted_artifacts
    mine = person_weeks(session, week, [person.id], cap=cap).get(person.id) or empty_week(person.id)
    table = ranked_weeks_subquery(week, cap=cap)
    active = table.c.work_units > 0  # only people with counted output are ranked, like the public board
    ahead, tied = _ahead_and_tied(table, mine, settings.rank_by)
    others = and_(active, table.c.person_id != mine.person_id)
    # One pass counts everyone ranked and everyone clearly ahead; a second reads only the ties.
    ranked_people, clearly_ahead = session.execute(
        select(
            func.coalesce(func.sum(case((active, 1), else_=0)), 0),
            func.coalesce(func.sum(case((and_(others, ahead), 1), else_=0)), 0),
        ).select_from(table)
    ).one()
    position = None
    if mine.work_units > 0:
        close = [person_week_from_row(row) for row in session.execute(select(table).where(others, tied)).all()]
        my_key = rank_key(mine, settings.rank_by)
        position = int(clearly_ahead) + sum(1 for w in close if rank_key(w, settings.rank_by) < my_key) + 1
    artifacts = week_artifacts(session, person.id, week, cap)
    code = code_activity_by_person(session, week, [person.id]).get(person.id)
    seat_cost = seat_cost_by_person(session, week.start, week.end, [person.id]).get(person.id, Decimal(0))
    return MyWeek(week, mine, position, int(ranked_people), artifacts, code, seat_cost)


# Sums of NUMERIC columns come back from SQLite as floats: figures this close count as a tie and are
# then ordered exactly by rank_key (work units have 2 decimals, spend 6).
_TIE = {"work_units": Decimal("0.005"), "spend": Decimal("0.0000005"), "tokens": Decimal("0.5")}


def _ahead_and_tied(
    table: Subquery, mine: PersonWeek, rank_by: RankBy
) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """Conditions on the week's table: clearly ahead of `mine`, and tied on the figures SQL compares."""
    if rank_by == "work_units" and mine.work_units == 0:
        # Without work units everyone's cost per unit is unknown: tokens decide, then the id.
        metric, value, tie = table.c.tokens, Decimal(mine.tokens), _TIE["tokens"]
        no_units = table.c.work_units <= _TIE["work_units"]
        ahead = or_(table.c.work_units > _TIE["work_units"], and_(no_units, metric > value + tie))
        return ahead, and_(no_units, metric.between(value - tie, value + tie))
    metric, value = {
        "work_units": (table.c.work_units, mine.work_units),
        "spend": (table.c.spend_usd, mine.spend_usd),
        "tokens": (table.c.tokens, Decimal(mine.tokens)),
    }[rank_by]
    tie = _TIE[rank_by]
    return metric > value + tie, metric.between(value - tie, value + tie)


def current_and_last_week(now: datetime, settings: Settings) -> tuple[IsoWeek, IsoWeek]:
    current = IsoWeek.current(now, settings.zone)
    return current, current.previous()


def my_numbers(
    session: Session, slack_user_id: str, now: datetime, settings: Settings, lookup_user: UserLookup | None = None
) -> MyNumbers | None:
    """`/buildboard me`: the caller's own numbers; None when they are not in the people file."""
    person = person_for_slack_user(session, slack_user_id, lookup_user)
    if person is None:
        return None
    current, last = current_and_last_week(now, settings)
    return MyNumbers(
        current=my_week(session, person, current, settings),
        last=my_week(session, person, last, settings),
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
    session: Session, slack_user_id: str, now: datetime, settings: Settings, lookup_user: UserLookup | None = None
) -> Leaderboard | None:
    """`/buildboard leaderboard`: the public board with the caller's own line; None when not in the people file."""
    viewer = person_for_slack_user(session, slack_user_id, lookup_user)
    if viewer is None:
        return None
    return current_leaderboard(session, now, settings, viewer)


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
