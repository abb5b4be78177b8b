"""Artifacts: what people built, stored with a snapshot of the week's tokens and spend behind it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Artifact, Person, UsageWeekly
from bot.domain.artifacts import ShareFields
from bot.domain.periods import IsoWeek
from bot.domain.reports import ArtifactView
from bot.domain.workunits import work_units_for
from bot.services.endorsements import endorsers_of
from bot.services.identity import UserLookup, person_for_slack_user

log = logging.getLogger(__name__)

# Called with an artifact id after it was created or edited. The Runtime runs its hooks (the AI
# work-unit estimate) on worker threads, never inside Slack's 3-second window.
ArtifactHook = Callable[[int], None]


class ArtifactNotFound(LookupError):
    """No such artifact, or it belongs to someone else (the owner alone may change it)."""


def week_snapshot(session: Session, person_id: int, week: IsoWeek) -> tuple[int, Decimal]:
    """The person's tokens and spend in `week` (their row of the weekly rollup; nothing when no usage)."""
    row = session.execute(
        select(UsageWeekly.tokens, UsageWeekly.cost_usd).where(
            UsageWeekly.person_id == person_id, UsageWeekly.week_start == week.start
        )
    ).first()
    return (int(row[0]), Decimal(row[1])) if row else (0, Decimal(0))


def create_artifact(session: Session, person: Person, week: IsoWeek, fields: ShareFields, now: datetime) -> Artifact:
    """Store what `person` built in `week`, with that week's tokens and spend beside it.

    Work units follow the hours-saved scale (bot/domain/workunits.py: 1 without hours), source "default";
    an AI estimate (an artifact hook, see bot.runtime) may replace them later.
    """
    tokens, spend = week_snapshot(session, person.id, week)
    units, source = work_units_for(fields.hours_saved_per_week)  # until the AI estimate arrives
    artifact = Artifact(
        person_id=person.id,
        week_start=week.start,
        title=fields.title,
        url=fields.url,
        description=fields.description,
        kind=fields.kind,
        hours_saved_per_week=fields.hours_saved_per_week,
        share_in_channel=fields.share_in_channel,
        tokens_snapshot=tokens,
        spend_snapshot_usd=spend,
        work_units=units,
        work_units_source=source,
        created_at=now,
        updated_at=now,
    )
    session.add(artifact)
    session.flush()
    return artifact


def owned_artifact(session: Session, person: Person, artifact_id: int) -> Artifact:
    artifact = session.get(Artifact, artifact_id)
    if artifact is None or artifact.person_id != person.id:
        raise ArtifactNotFound(f"artifact {artifact_id} is not one of yours")
    return artifact


def edit_artifact(session: Session, person: Person, artifact_id: int, fields: ShareFields, now: datetime) -> Artifact:
    """Change the owner's artifact; the week and the spend snapshot stay as they were."""
    artifact = owned_artifact(session, person, artifact_id)
    artifact.title = fields.title
    artifact.url = fields.url
    artifact.description = fields.description
    artifact.kind = fields.kind
    artifact.hours_saved_per_week = fields.hours_saved_per_week
    artifact.share_in_channel = fields.share_in_channel
    # New hours saved change the default; an estimate or an admin's override still wins.
    artifact.work_units, artifact.work_units_source = work_units_for(
        fields.hours_saved_per_week, estimate=artifact.work_units_estimate, override=artifact.work_units_override
    )
    artifact.updated_at = now
    session.flush()
    return artifact


def delete_artifact(session: Session, person: Person, artifact_id: int) -> None:
    """Delete the owner's artifact."""
    session.delete(owned_artifact(session, person, artifact_id))
    session.flush()


def artifact_to_edit(
    session: Session, slack_user_id: str, artifact_id: int, lookup_user: UserLookup | None = None
) -> ArtifactView | None:
    """The caller's artifact, for the edit modal; None when it is not theirs (or they are not in the people file)."""
    person = person_for_slack_user(session, slack_user_id, lookup_user)
    if person is None:
        return None
    try:
        return artifact_view(owned_artifact(session, person, artifact_id))
    except ArtifactNotFound:
        return None


def delete_own_artifact(
    session: Session, slack_user_id: str, artifact_id: int, lookup_user: UserLookup | None = None
) -> bool:
    """Delete the caller's artifact; False when it is not theirs (or they are not in the people file)."""
    person = person_for_slack_user(session, slack_user_id, lookup_user)
    if person is None:
        return False
    try:
        delete_artifact(session, person, artifact_id)
    except ArtifactNotFound:
        return False
    return True


def artifact_view(artifact: Artifact) -> ArtifactView:
    """The stored artifact as renderers see it."""
    return ArtifactView(
        id=artifact.id,
        week_start=artifact.week_start,
        title=artifact.title,
        url=artifact.url,
        description=artifact.description,
        kind=artifact.kind,
        hours_saved_per_week=artifact.hours_saved_per_week,
        share_in_channel=artifact.share_in_channel,
        spend_snapshot_usd=artifact.spend_snapshot_usd,
        work_units=artifact.work_units,
    )


def person_artifacts(session: Session, person_id: int, limit: int) -> tuple[list[ArtifactView], int]:
    """The person's newest artifacts (up to `limit`) and how many they have in all."""
    total = session.scalar(select(func.count()).select_from(Artifact).where(Artifact.person_id == person_id))
    rows = session.scalars(
        select(Artifact)
        .where(Artifact.person_id == person_id)
        .order_by(Artifact.week_start.desc(), Artifact.created_at.desc(), Artifact.id.desc())
        .limit(limit)
    )
    views = [artifact_view(artifact) for artifact in rows]
    endorsers = endorsers_of(session, [view.id for view in views])
    return [replace(view, endorsed_by=tuple(endorsers.get(view.id, ()))) for view in views], int(total or 0)


def after_artifact_saved(hooks: Iterable[ArtifactHook], artifact_id: int) -> None:
    """Run every hook for `artifact_id`, in turn; a failing hook is logged, never raised."""
    for hook in hooks:
        try:
            hook(artifact_id)
        except Exception:
            log.exception("artifact hook %r failed for artifact %s", hook, artifact_id)


def share_refusal(
    session_factory: sessionmaker[Session], slack_user_id: str, artifact_id: int | None
) -> Literal["unknown_person", "not_theirs"] | None:
    """Why a share (or an edit of `artifact_id`) by this Slack user cannot be stored, if it cannot."""
    with session_factory() as session:
        person = person_for_slack_user(session, slack_user_id)  # no Slack lookup: the modal opening did that
        if person is None:
            return "unknown_person"
        try:
            if artifact_id is not None:
                owned_artifact(session, person, artifact_id)
        except ArtifactNotFound:
            return "not_theirs"
    return None
