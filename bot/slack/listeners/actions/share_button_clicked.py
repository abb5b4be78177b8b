"""The nudge's (or App Home's) Share button: the share modal for the button's week."""

from __future__ import annotations

from slack_bolt import Ack

from bot.runtime import Runtime
from bot.slack.listeners.share_ui import open_share_modal, week_from


def share_button_clicked(ack: Ack, body: dict, action: dict, runtime: Runtime) -> None:
    ack()
    open_share_modal(runtime, body["trigger_id"], week_from(action.get("value"), runtime), body["user"]["id"])
