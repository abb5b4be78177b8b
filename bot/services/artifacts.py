"""Artifacts: what people built, stored with a snapshot of the week's tokens and spend behind it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Artifact, Person, UsageWeekly
from bot.db.output import counted, ranked_artifacts
from bot.db.value_sets import PEOPLE
from bot.domain.artifacts import ShareFields
from bot.domain.claims import DEFAULT_CLAIM_RULES, ClaimRules, duplicate_link_message, evidence_cap, link_key
from bot.domain.periods import IsoWeek
from bot.domain.reports import ArtifactView
from bot.domain.workunits import work_units_for
from bot.services.endorsements import endorsers_of
from bot.services.identity import UserLookup, person_for_slack_user

log = logging.getLogger(__name__)

# Called with an artifact id after it was created or edited. The Runtime runs its hooks on worker threads,
# never inside Slack's 3-second window. Work-unit estimates are not one of them: they run in the daily batch.
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


class LinkAlreadyShared(ValueError):
    """The link was shared before (by anyone): it counts once in the whole organisation. str() says in which week."""

    def __init__(self, week: IsoWeek) -> None:
        super().__init__(duplicate_link_message(week))
        self.week = week


def link_shared_in(session: Session, url: str | None, *, except_artifact: int | None = None) -> IsoWeek | None:
    """The week in which this link (normalised) was already shared, by anyone; None when it is new."""
    key = link_key(url)
    if key is None:
        return None
    query = select(Artifact.week_start).where(Artifact.link_key == key)
    if except_artifact is not None:
        query = query.where(Artifact.id != except_artifact)
    start = session.scalar(query.limit(1))
    return IsoWeek.containing(start) if start is not None else None


def _claim_link(session: Session, url: str | None, artifact_id: int | None) -> str | None:
    """The link key to store, or LinkAlreadyShared (the unique index catches two shares racing past this)."""
    week = link_shared_in(session, url, except_artifact=artifact_id)
    if week is not None:
        raise LinkAlreadyShared(week)
    return link_key(url)


def create_artifact(
    session: Session,
    person: Person,
    week: IsoWeek,
    fields: ShareFields,
    now: datetime,
    rules: ClaimRules = DEFAULT_CLAIM_RULES,
) -> Artifact:
    """Store what `person` built in `week`, with that week's tokens and spend beside it.

    Work units follow the hours-saved scale (bot/domain/workunits.py: 1 without hours), source "default",
    bounded by the evidence (no link: `rules.unlinked_work_units`); the daily estimate batch may replace them.
    A link shared before by anyone is refused (LinkAlreadyShared).
    """
    key = _claim_link(session, fields.url, None)
    tokens, spend = week_snapshot(session, person.id, week)
    units, source = work_units_for(fields.hours_saved_per_week, cap=evidence_cap(fields.url, rules))
    artifact = Artifact(
        person_id=person.id,
        week_start=week.start,
        title=fields.title,
        url=fields.url,
        link_key=key,
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


def edit_artifact(
    session: Session,
    person: Person,
    artifact_id: int,
    fields: ShareFields,
    now: datetime,
    rules: ClaimRules = DEFAULT_CLAIM_RULES,
) -> Artifact:
    """Change the owner's artifact; the week and the spend snapshot stay as they were.

    The edited artifact is due for a new estimate in the next daily batch (never one call per save).
    """
    artifact = owned_artifact(session, person, artifact_id)
    artifact.link_key = _claim_link(session, fields.url, artifact.id)
    changed = (artifact.title, artifact.description, artifact.kind, artifact.url) != (
        fields.title,
        fields.description,
        fields.kind,
        fields.url,
    ) or artifact.hours_saved_per_week != fields.hours_saved_per_week
    artifact.title = fields.title
    artifact.url = fields.url
    artifact.description = fields.description
    artifact.kind = fields.kind
    artifact.hours_saved_per_week = fields.hours_saved_per_week
    artifact.share_in_channel = fields.share_in_channel
    # New hours saved change the default; an estimate or an admin's override still wins, within the evidence.
    artifact.work_units, artifact.work_units_source = work_units_for(
        fields.hours_saved_per_week,
        estimate=artifact.work_units_estimate,
        override=artifact.work_units_override,
        cap=evidence_cap(fields.url, rules),
    )
    if changed:  # sized again by the next estimate batch
        artifact.estimated_at, artifact.estimate_attempts, artifact.estimate_error = None, 0, None
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


def artifact_view(artifact: Artifact, counted: bool = True) -> ArtifactView:
    """The stored artifact as renderers see it (`counted`: one of its week's counted artifacts)."""
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
        counted=counted,
    )


def person_artifacts(
    session: Session, person_id: int, limit: int, *, cap: int = DEFAULT_CLAIM_RULES.max_counted_artifacts
) -> tuple[list[ArtifactView], int]:
    """The person's newest artifacts (up to `limit`, counted or not) and how many they have in all."""
    total = session.scalar(select(func.count()).select_from(Artifact).where(Artifact.person_id == person_id))
    ranked = ranked_artifacts(None, [person_id])
    rows = session.execute(
        select(Artifact, counted(ranked, cap))
        .join(ranked, ranked.c.artifact_id == Artifact.id)
        .order_by(Artifact.week_start.desc(), Artifact.created_at.desc(), Artifact.id.desc())
        .limit(limit)
    )
    views = [artifact_view(artifact, bool(is_counted)) for artifact, is_counted in rows]
    endorsers = endorsers_of(session, [view.id for view in views])
    return [replace(view, endorsed_by=tuple(endorsers.get(view.id, ()))) for view in views], int(total or 0)


def weeks_artifacts(
    session: Session, person_id: int, weeks: Sequence[IsoWeek], cap: int
) -> dict[IsoWeek, list[ArtifactView]]:
    """The person's artifacts of each of `weeks` in the order shared, each marked counted or not, in one statement
    (one round trip for `/buildboard me`'s two weeks)."""
    found: dict[IsoWeek, list[ArtifactView]] = {week: [] for week in weeks}
    statement = _week_artifacts_statement(tuple(sorted(week.start for week in found)), cap)
    for artifact, is_counted in session.execute(statement, {PEOPLE.name: [person_id]}):
        found[IsoWeek.containing(artifact.week_start)].append(artifact_view(artifact, bool(is_counted)))
    return found


@lru_cache(maxsize=16)
def _week_artifacts_statement(week_starts: tuple[date, ...], cap: int) -> Select[Artifact, bool]:
    """weeks_artifacts' statement, built once per weeks and cap (`/buildboard me` asks for the same two weeks for
    every caller); the person is bound as PEOPLE when it runs."""
    ranked = ranked_artifacts(week_starts, PEOPLE)
    return (
        select(Artifact, counted(ranked, cap))
        .join(ranked, ranked.c.artifact_id == Artifact.id)
        .order_by(Artifact.created_at, Artifact.id)
    )


def after_artifact_saved(hooks: Iterable[ArtifactHook], artifact_id: int) -> None:
    """Run every hook for `artifact_id`, in turn; a failing hook is logged, never raised."""
    for hook in hooks:
        try:
            hook(artifact_id)
        except Exception:
            log.exception("artifact hook %r failed for artifact %s", hook, artifact_id)


def share_refusal(
    session_factory: sessionmaker[Session], slack_user_id: str, artifact_id: int | None, url: str | None = None
) -> Literal["unknown_person", "not_theirs"] | IsoWeek | None:
    """Why a share (or an edit of `artifact_id`) by this Slack user cannot be stored, if it cannot.

    An IsoWeek: the link was already shared in that week (by anyone; who is never said).
    """
    with session_factory() as session:
        person = person_for_slack_user(session, slack_user_id)  # no Slack lookup: the modal opening did that
        if person is None:
            return "unknown_person"
        try:
            if artifact_id is not None:
                owned_artifact(session, person, artifact_id)
        except ArtifactNotFound:
            return "not_theirs"
        return link_shared_in(session, url, except_artifact=artifact_id)
