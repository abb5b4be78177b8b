"""App Home's nudges switch: turn the weekly "what did you build?" DM on or off, then show the new Home."""

from __future__ import annotations

from slack_bolt import Ack

from bot.runtime import Runtime
from bot.services.home import set_nudges
from bot.services.identity import PersonUnknown, person_by_slack_id
from bot.slack.listeners.share_ui import publish_home


def nudges_toggled(ack: Ack, body: dict, action: dict, runtime: Runtime) -> None:
    ack()
    user_id = body["user"]["id"]
    with runtime.sessions.begin() as session:
        try:
            person = person_by_slack_id(session, user_id)
        except PersonUnknown:
            return
        set_nudges(session, person, action.get("value") == "on", runtime.clock())
    publish_home(runtime, user_id)
