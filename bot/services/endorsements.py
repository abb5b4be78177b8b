"""Peer endorsement: a colleague's "I use this" on an artifact with a link, and the work units it adds.

Rules (bot/domain/evidence.py): a colleague in the people file, not the author, endorses an artifact
once; each person endorses at most MAX_ENDORSEMENTS_PER_WEEK artifacts a week and one author at most
once a week. Each distinct endorser of an author's week adds UNITS_PER_ENDORSER, at most
MAX_ENDORSEMENT_UNITS. An endorsement belongs to the week it was given.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.models import Artifact, Endorsement, Person
from bot.db.value_sets import in_values
from bot.domain.evidence import (
    MAX_ENDORSEMENTS_PER_WEEK,
    Refusal,
)
from bot.domain.periods import IsoWeek


@dataclass(frozen=True)
class EndorseOutcome:
    """The answer to one click: a refusal (what to tell the person) or the artifact's new endorser count."""

    artifact_id: int
    refusal: Refusal | None
    endorsements: int = 0

    @property
    def ok(self) -> bool:
        return self.refusal is None


def endorse(session: Session, artifact_id: int, slack_user_id: str, now: datetime, zone: ZoneInfo) -> EndorseOutcome:
    """Record `slack_user_id`'s endorsement of the artifact, or say why not (inside the caller's transaction)."""
    endorser = session.scalar(
        select(Person).where(
            Person.slack_user_id == slack_user_id, Person.in_org.is_(True), Person.forgotten_at.is_(None)
        )
    )
    if endorser is None:
        return EndorseOutcome(artifact_id, Refusal.UNKNOWN_PERSON)
    artifact = session.get(Artifact, artifact_id)
    if artifact is None or artifact.title is None:
        return EndorseOutcome(artifact_id, Refusal.NO_ARTIFACT)
    if not artifact.url:
        return EndorseOutcome(artifact_id, Refusal.NO_LINK)
    if artifact.person_id == endorser.id:
        return EndorseOutcome(artifact_id, Refusal.OWN_ARTIFACT)
    week = IsoWeek.containing(now.astimezone(zone).date())
    mine = select(Endorsement).where(Endorsement.endorser_id == endorser.id)
    if session.scalar(mine.where(Endorsement.artifact_id == artifact_id)) is not None:
        return EndorseOutcome(artifact_id, Refusal.ALREADY, endorsement_count(session, artifact_id))
    this_week = [Endorsement.endorser_id == endorser.id, Endorsement.week_start == week.start]
    given = session.scalar(select(func.count()).select_from(Endorsement).where(*this_week)) or 0
    if given >= MAX_ENDORSEMENTS_PER_WEEK:
        return EndorseOutcome(artifact_id, Refusal.WEEKLY_LIMIT, endorsement_count(session, artifact_id))
    same_author = select(Endorsement.id).where(*this_week, Endorsement.author_id == artifact.person_id)
    if session.scalar(same_author.limit(1)) is not None:
        return EndorseOutcome(artifact_id, Refusal.SAME_AUTHOR, endorsement_count(session, artifact_id))
    try:
        with session.begin_nested():  # a double click racing itself: the unique key keeps one
            session.add(
                Endorsement(
                    artifact_id=artifact_id,
                    endorser_id=endorser.id,
                    author_id=artifact.person_id,
                    week_start=week.start,
                    created_at=now,
                )
            )
    except IntegrityError:
        return EndorseOutcome(artifact_id, Refusal.ALREADY, endorsement_count(session, artifact_id))
    return EndorseOutcome(artifact_id, None, endorsement_count(session, artifact_id))


def endorsement_count(session: Session, artifact_id: int) -> int:
    return endorsement_counts(session, [artifact_id]).get(artifact_id, 0)


def endorsement_counts(session: Session, artifact_ids: Collection[int]) -> dict[int, int]:
    """Distinct endorsers per artifact (artifacts without any are left out)."""
    if not artifact_ids:
        return {}
    return {
        int(aid): int(count)
        for aid, count in session.execute(
            select(Endorsement.artifact_id, func.count())
            .where(in_values(Endorsement.artifact_id, list(artifact_ids)))
            .group_by(Endorsement.artifact_id)
        )
    }


def endorsers_of(session: Session, artifact_ids: Collection[int]) -> dict[int, list[str]]:
    """Who endorsed each artifact, by name (for its author's App Home only)."""
    if not artifact_ids:
        return {}
    found: dict[int, list[str]] = {}
    for aid, name in session.execute(
        select(Endorsement.artifact_id, Person.name)
        .join(Person, Person.id == Endorsement.endorser_id)
        .where(in_values(Endorsement.artifact_id, list(artifact_ids)))
        .order_by(Endorsement.created_at, Endorsement.id)
    ):
        found.setdefault(int(aid), []).append(name or "a colleague")
    return found


def forget_endorsements(session: Session, person_id: int) -> int:
    """Erase every endorsement given by or to a forgotten person; returns how many."""
    result = session.execute(
        delete(Endorsement).where(or_(Endorsement.endorser_id == person_id, Endorsement.author_id == person_id))
    )
    return int(getattr(result, "rowcount", 0) or 0)
