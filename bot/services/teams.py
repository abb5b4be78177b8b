"""Team figures as outsiders may see them: summed in SQL per team, small teams merged into "Other teams".

Every surface that shows team figures to people outside a team's management line (the digest's
thread, team comparisons, the leaderboard by team) takes its rows from `public_team_figures`, so no
row ever describes fewer than BUILDBOARD_MIN_GROUP_SIZE people.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import Person
from bot.domain.groups import TeamFigure, merge_small_groups
from bot.domain.periods import IsoWeek
from bot.services.stats import _artifacts_by_person, _usage_by_person
from bot.settings import Settings


def team_figures(session: Session, week: IsoWeek) -> list[TeamFigure]:
    """Each team's week, unmerged (for the team's own management line only).

    `active_people` counts the team's current members with usage or artifacts that week: a team of
    ten where two people used AI describes two people, and is treated as a group of two.
    """
    usage = _usage_by_person(week, None).subquery()
    made = _artifacts_by_person(week, None).subquery()
    rows = session.execute(
        select(
            Person.team,
            func.count(Person.id),
            func.coalesce(func.sum(usage.c.tokens), 0),
            func.coalesce(func.sum(usage.c.spend_usd), 0),
            func.coalesce(func.sum(made.c.artifacts), 0),
            func.coalesce(func.sum(made.c.work_units), 0),
        )
        .outerjoin(usage, usage.c.person_id == Person.id)
        .outerjoin(made, made.c.person_id == Person.id)
        .where(
            Person.team.is_not(None),
            Person.in_org.is_(True),
            (usage.c.person_id.is_not(None)) | (made.c.person_id.is_not(None)),
        )
        .group_by(Person.team)
    ).all()
    return [
        TeamFigure(team, int(people), int(tokens), Decimal(spend), int(artifacts), Decimal(units))
        for team, people, tokens, spend, artifacts, units in rows
    ]


def public_team_figures(session: Session, week: IsoWeek, settings: Settings) -> list[TeamFigure]:
    """Team rows safe to show anyone: teams under BUILDBOARD_MIN_GROUP_SIZE active people merged away."""
    return merge_small_groups(team_figures(session, week), settings.min_group_size)
