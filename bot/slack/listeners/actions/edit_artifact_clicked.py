"""App Home's Edit button on an artifact: the share modal filled with it (its owner only)."""

from __future__ import annotations

import logging

from slack_bolt import Ack

from bot.domain.periods import IsoWeek
from bot.runtime import Runtime
from bot.services.artifacts import artifact_to_edit
from bot.slack.blocks.share import share_modal
from bot.slack.listeners.share_ui import artifact_id_from

log = logging.getLogger(__name__)


def edit_artifact_clicked(ack: Ack, body: dict, action: dict, runtime: Runtime) -> None:
    ack()
    user_id = body["user"]["id"]
    artifact_id = artifact_id_from(action)
    artifact = None
    if artifact_id is not None:
        with runtime.sessions.begin() as session:
            artifact = artifact_to_edit(session, user_id, artifact_id, runtime.lookup_user)
    if artifact is None:
        log.warning("edit refused for %s: not their artifact", user_id)
        return
    runtime.slack.views_open(
        trigger_id=body["trigger_id"], view=share_modal(IsoWeek.containing(artifact.week_start), artifact)
    )
