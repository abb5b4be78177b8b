"""App Home's Edit button on an artifact: the share modal filled with it (its owner only)."""

from __future__ import annotations

import logging

from slack_bolt import Ack

from bot.domain.periods import IsoWeek
from bot.runtime import Runtime
from bot.services.artifacts import ArtifactNotFound, artifact_view, owned_artifact
from bot.services.identity import PersonUnknown, person_by_slack_id
from bot.slack.blocks.share import share_modal

log = logging.getLogger(__name__)


def edit_artifact_clicked(ack: Ack, body: dict, action: dict, runtime: Runtime) -> None:
    ack()
    with runtime.sessions() as session:
        try:
            person = person_by_slack_id(session, body["user"]["id"])
            artifact = artifact_view(owned_artifact(session, person, int(action["value"])))
        except (PersonUnknown, ArtifactNotFound, ValueError):
            log.warning("edit refused for %s: not their artifact", body["user"]["id"])
            return
        view = share_modal(IsoWeek.containing(artifact.week_start), artifact)
    runtime.slack.views_open(trigger_id=body["trigger_id"], view=view)
