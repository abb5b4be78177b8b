"""App Home's Delete button on an artifact: delete it (its owner only), then show the new Home."""

from __future__ import annotations

import logging

from slack_bolt import Ack

from bot.runtime import Runtime
from bot.services.home import delete_artifact_from_home
from bot.slack.listeners.share_ui import artifact_id_from, publish_home_view

log = logging.getLogger(__name__)


def delete_artifact_clicked(ack: Ack, body: dict, action: dict, runtime: Runtime) -> None:
    ack()
    user_id = body["user"]["id"]
    artifact_id = artifact_id_from(action)
    home = None
    if artifact_id is not None:
        with runtime.sessions.begin() as session:
            home = delete_artifact_from_home(
                session, user_id, artifact_id, runtime.clock(), runtime.settings, runtime.lookup_user
            )
    if home is None:
        log.warning("delete refused for %s: not their artifact", user_id)
        return
    publish_home_view(runtime, user_id, home)
