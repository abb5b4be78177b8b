"""Sharing what you built: the one path the modal, the demo and tests all take.

Stores (or edits) the artifact with its spend snapshot, marks the week's nudge answered, rewrites
the nudge DM, and — when asked — posts a showcase in the digest channel through the outbox.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.artifacts import ShareFields
from bot.domain.periods import IsoWeek
from bot.services import outbox
from bot.services.artifacts import ArtifactHook, after_artifact_saved, create_artifact, edit_artifact, week_snapshot
from bot.services.identity import person_by_slack_id
from bot.services.nudges import mark_answered, update_dms
from bot.settings import Settings
from bot.slack.blocks.nudge import answered_message, shared_outcome
from bot.slack.blocks.share import showcase_message
from bot.slack.blocks.text import mention
from bot.slack.delivery import OutboxSender


def showcase_key(artifact_id: int) -> str:
    return f"showcase:{artifact_id}"


@dataclass(frozen=True)
class ShareOutcome:
    artifact_id: int
    created: bool
    dms_updated: int
    showcase: str  # posted | queued | failed | not_asked | no_channel


def share(
    session_factory: sessionmaker[Session],
    client: WebClient,
    sender: OutboxSender | None,
    settings: Settings,
    *,
    slack_user_id: str,
    week: IsoWeek,
    fields: ShareFields,
    now: datetime,
    artifact_id: int | None = None,
    hooks: Iterable[ArtifactHook] = (),
) -> ShareOutcome:
    """Store what the person built (or edit their artifact `artifact_id`) and tell everyone who should know."""
    showcase_queued = False
    with session_factory.begin() as session:
        person = person_by_slack_id(session, slack_user_id)
        if artifact_id is None:
            artifact = create_artifact(session, person, week, fields, now)
            week = IsoWeek.containing(artifact.week_start)
        else:
            artifact = edit_artifact(session, person, artifact_id, fields, now)
            week = IsoWeek.containing(artifact.week_start)
        nudge = mark_answered(session, person, week, "shared", now)
        if fields.share_in_channel and settings.digest_channel:
            public = person.in_org and person.active and not person.public_opt_out
            author = mention(person.slack_user_id, person.name) if public else "A colleague"
            showcase_queued = outbox.enqueue(
                session,
                key=showcase_key(artifact.id),  # one showcase per artifact, however often it is edited
                kind="showcase",
                channel=settings.digest_channel,
                payload=showcase_message(
                    author, fields.title, fields.url, fields.description, fields.kind, fields.hours_saved_per_week
                ),
                now=now,
                person_id=person.id,
            ).created
        if nudge is not None:
            tokens, spend = nudge.tokens, Decimal(nudge.spend_usd)
        else:
            tokens, spend = week_snapshot(session, person.id, week)
        saved_id, person_id = artifact.id, person.id
    updated = update_dms(
        session_factory, client, person_id, week, answered_message(week, tokens, spend, shared_outcome(fields.title))
    )
    showcase = "not_asked"
    if fields.share_in_channel:
        showcase = "no_channel" if not settings.digest_channel else "queued"
        if showcase_queued and sender is not None:
            report = sender.send_due(keys=[showcase_key(saved_id)])
            showcase = "posted" if report.sent or report.reconciled else ("failed" if report.failed else "queued")
    after_artifact_saved(hooks, saved_id)
    return ShareOutcome(saved_id, artifact_id is None, updated, showcase)
