"""App Home's Delete button on an artifact: delete it (its owner only), then show the new Home."""

from __future__ import annotations

import logging

from slack_bolt import Ack

from bot.runtime import Runtime
from bot.services.artifacts import ArtifactNotFound, delete_artifact
from bot.services.identity import PersonUnknown, person_by_slack_id
from bot.slack.listeners.share_ui import publish_home

log = logging.getLogger(__name__)


def delete_artifact_clicked(ack: Ack, body: dict, action: dict, runtime: Runtime) -> None:
    ack()
    user_id = body["user"]["id"]
    with runtime.sessions.begin() as session:
        try:
            delete_artifact(session, person_by_slack_id(session, user_id), int(action["value"]))
        except (PersonUnknown, ArtifactNotFound, ValueError):
            log.warning("delete refused for %s: not their artifact", user_id)
            return
    publish_home(runtime, user_id)
