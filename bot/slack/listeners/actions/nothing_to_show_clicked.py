"""The nudge's "Nothing to show yet" button: the modal that asks why."""

from __future__ import annotations

from slack_bolt import Ack

from bot.runtime import Runtime
from bot.slack.blocks.share import nothing_modal
from bot.slack.listeners.share_ui import week_from


def nothing_to_show_clicked(ack: Ack, body: dict, action: dict, runtime: Runtime) -> None:
    ack()
    view = nothing_modal(week_from(action.get("value"), runtime))
    runtime.slack.views_open(trigger_id=body["trigger_id"], view=view)
