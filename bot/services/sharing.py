"""Sharing what you built: the one path the modal, the demo and tests all take.

Stores (or edits) the artifact with its spend snapshot, marks the week's nudge answered, rewrites
the nudge DM, and — when asked — queues a showcase for the digest channel. The showcase is built
when it is sent (`showcase_at_send`), so an author who opts out or is erased before then is not named.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Artifact, Person
from bot.domain.artifacts import ShareFields, Showcase
from bot.domain.delivery import MessageIntent, MessageKind
from bot.domain.nudges import NudgeAnswer
from bot.domain.periods import IsoWeek
from bot.domain.privacy import may_be_named_in_public
from bot.domain.reports import Home
from bot.services import outbox
from bot.services.artifacts import (
    ArtifactHook,
    LinkAlreadyShared,
    after_artifact_saved,
    create_artifact,
    edit_artifact,
    link_shared_in,
    week_snapshot,
)
from bot.services.endorsements import endorsement_count
from bot.services.home import home_of
from bot.services.identity import UserLookup, person_by_slack_id
from bot.services.nudges import mark_answered, show_answer
from bot.services.ports import MessageSender, NudgeDms
from bot.settings import Settings

log = logging.getLogger(__name__)


def showcase_key(artifact_id: int) -> str:
    return f"showcase:{artifact_id}"


@dataclass(frozen=True)
class ShareOutcome:
    artifact_id: int
    created: bool
    dms_updated: int
    showcase: str  # posted | queued | failed | not_asked | no_channel
    home: Home | None = None  # the author's App Home as it now reads (asked for with `with_home`)


def showcase_at_send(session: Session, artifact_id: int) -> Showcase | None:
    """The showcase of `artifact_id` as it reads now; None when the artifact (or its author) was erased."""
    artifact = session.get(Artifact, artifact_id)
    if artifact is None or artifact.title is None:
        return None
    person = session.get(Person, artifact.person_id)
    if person is None or person.forgotten_at is not None:
        return None
    named = may_be_named_in_public(person)
    return Showcase(
        author_slack_user_id=person.slack_user_id if named else None,
        author_name=person.name if named else None,
        title=artifact.title,
        url=artifact.url,
        description=artifact.description or "",
        kind=artifact.kind or "other",
        hours_saved_per_week=artifact.hours_saved_per_week,
        artifact_id=artifact.id,
        endorsements=endorsement_count(session, artifact.id),
    )


def _home(session_factory: sessionmaker[Session], slack_user_id: str, now: datetime, settings: Settings) -> Home | None:
    """The author's App Home after a share; None if it cannot be built now (the share itself is stored)."""
    try:
        with session_factory() as session:
            return home_of(session, slack_user_id, now, settings)
    except Exception:  # a stale App Home is cosmetic: never report a stored share as failed for it
        log.exception("could not build the App Home of %s after a share", slack_user_id)
        return None


def _store_share(
    session_factory: sessionmaker[Session],
    settings: Settings,
    slack_user_id: str,
    week: IsoWeek,
    fields: ShareFields,
    now: datetime,
    artifact_id: int | None,
    lookup_user: UserLookup | None,
) -> tuple[int, int, IsoWeek, int, Decimal, bool]:
    """The share's one transaction: (artifact id, person id, week, tokens, spend, showcase newly queued)."""
    showcase_queued = False
    with session_factory.begin() as session:
        person = person_by_slack_id(session, slack_user_id, lookup_user)
        rules = settings.claim_rules
        if artifact_id is None:
            artifact = create_artifact(session, person, week, fields, now, rules)
        else:
            artifact = edit_artifact(session, person, artifact_id, fields, now, rules)
        week = IsoWeek.containing(artifact.week_start)
        nudge = mark_answered(session, person, week, "shared", now)
        if fields.share_in_channel and settings.digest_channel:
            showcase = MessageIntent(
                key=showcase_key(artifact.id),  # one showcase per artifact, however often it is edited
                kind=MessageKind.SHOWCASE,
                channel=settings.digest_channel,
                params={"artifact_id": artifact.id},
                person_id=person.id,
            )
            showcase_queued = outbox.queue(session, showcase, now).created
        if nudge is not None:
            tokens, spend = nudge.tokens, Decimal(nudge.spend_usd)
        else:
            tokens, spend = week_snapshot(session, person.id, week)
        return artifact.id, person.id, week, tokens, spend, showcase_queued


def share(
    session_factory: sessionmaker[Session],
    dms: NudgeDms,
    sender: MessageSender | None,
    settings: Settings,
    *,
    slack_user_id: str,
    week: IsoWeek,
    fields: ShareFields,
    now: datetime,
    artifact_id: int | None = None,
    hooks: Iterable[ArtifactHook] = (),
    lookup_user: UserLookup | None = None,
    with_home: bool = False,
) -> ShareOutcome:
    """Store what the person built (or edit their artifact `artifact_id`) and tell everyone who should know.

    With `with_home`, the outcome carries the author's App Home with the new artifact on it. A link already
    shared by anyone raises LinkAlreadyShared and stores nothing.
    """
    try:
        saved_id, person_id, week, tokens, spend, showcase_queued = _store_share(
            session_factory, settings, slack_user_id, week, fields, now, artifact_id, lookup_user
        )
    except IntegrityError:
        # Two shares of one link raced past the check: the unique index kept the first. Say when it was shared.
        with session_factory() as session:
            shared_in = link_shared_in(session, fields.url, except_artifact=artifact_id)
        if shared_in is None:
            raise
        raise LinkAlreadyShared(shared_in) from None
    updated = show_answer(
        session_factory, dms, person_id, week, tokens, spend, NudgeAnswer("shared", title=fields.title)
    )
    posted = "not_asked"
    if fields.share_in_channel:
        posted = "no_channel" if not settings.digest_channel else "queued"
        if showcase_queued and sender is not None:
            report = sender.send_due(keys=[showcase_key(saved_id)])
            posted = "posted" if report.sent or report.reconciled else ("failed" if report.failed else "queued")
    after_artifact_saved(hooks, saved_id)
    return ShareOutcome(
        saved_id,
        artifact_id is None,
        updated,
        posted,
        _home(session_factory, slack_user_id, now, settings) if with_home else None,
    )
