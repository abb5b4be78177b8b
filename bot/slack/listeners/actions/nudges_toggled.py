"""App Home's nudges switch: turn the weekly "what did you build?" DM on or off, then show the new Home."""

from __future__ import annotations

from slack_bolt import Ack

from bot.runtime import Runtime
from bot.services.home import set_nudges_for
from bot.slack.listeners.share_ui import publish_home_view


def nudges_toggled(ack: Ack, body: dict, action: dict, runtime: Runtime) -> None:
    ack()
    user_id = body["user"]["id"]
    with runtime.sessions.begin() as session:
        home = set_nudges_for(
            session, user_id, action.get("value") == "on", runtime.clock(), runtime.settings, runtime.lookup_user
        )
    if home is not None:  # not in the people file: nothing was switched, nothing to show
        publish_home_view(runtime, user_id, home)
