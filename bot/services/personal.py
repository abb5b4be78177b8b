"""A person's own numbers: what `/buildboard me` and App Home show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Artifact, Person
from bot.domain.periods import IsoWeek
from bot.domain.ranking import rank
from bot.domain.stats import PersonWeek
from bot.services.code_activity import CodeActivity, code_activity_by_person
from bot.services.stats import person_weeks
from bot.settings import Settings


@dataclass(frozen=True)
class MyWeek:
    week: IsoWeek
    stats: PersonWeek
    position: int | None  # on the leaderboard (by the configured ranking), among people with activity
    ranked_people: int
    artifacts: list[Artifact]
    code: CodeActivity | None = None  # commits, pull requests… by coding agents (Claude Code analytics)


def empty_week(person_id: int) -> PersonWeek:
    from decimal import Decimal

    return PersonWeek(person_id, 0, Decimal(0), 0, 0, Decimal(0))


def my_week(session: Session, person: Person, week: IsoWeek, settings: Settings) -> MyWeek:
    """The person's numbers for `week` and where they stand."""
    everyone = person_weeks(session, week)
    ranked = rank(everyone.values(), settings.rank_by)
    position = next((i for i, w in enumerate(ranked, start=1) if w.person_id == person.id), None)
    artifacts = list(
        session.scalars(
            select(Artifact)
            .where(Artifact.person_id == person.id, Artifact.week_start == week.start)
            .order_by(Artifact.created_at)
        )
    )
    code = code_activity_by_person(session, week, [person.id]).get(person.id)
    return MyWeek(week, everyone.get(person.id) or empty_week(person.id), position, len(ranked), artifacts, code)


def current_and_last_week(now: datetime, settings: Settings) -> tuple[IsoWeek, IsoWeek]:
    current = IsoWeek.current(now, settings.zone)
    return current, current.previous()
