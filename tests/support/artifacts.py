"""Artifacts inserted straight through the model (the share modal that creates them is another issue's)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from bot.db.models import Artifact, Person
from bot.domain.periods import IsoWeek
from bot.domain.workunits import work_units_for
from tests.conftest import NOW


def add_artifact(
    sessions,
    email: str,
    week: IsoWeek,
    title: str,
    *,
    units: str | None = None,
    hours: str | None = None,
    url: str | None = None,
    kind: str = "tool",
    share: bool = False,
    minute: int = 0,
) -> int:
    with sessions.begin() as session:
        person = session.scalars(select(Person).where(Person.email == email)).one()
        value, source = work_units_for(
            Decimal(hours) if hours is not None else None, override=Decimal(units) if units is not None else None
        )
        artifact = Artifact(
            person_id=person.id,
            week_start=week.start,
            title=title,
            url=url,
            description=f"{title}, for the team",
            kind=kind,
            hours_saved_per_week=Decimal(hours) if hours is not None else None,
            share_in_channel=share,
            work_units=value,
            work_units_source=source,
            created_at=NOW + timedelta(minutes=minute),
            updated_at=NOW + timedelta(minutes=minute),
        )
        session.add(artifact)
        session.flush()
        return artifact.id
