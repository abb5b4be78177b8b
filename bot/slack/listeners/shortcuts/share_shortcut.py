"""The global shortcut "Share what I built": the share modal for the current week."""

from __future__ import annotations

from slack_bolt import Ack

from bot.runtime import Runtime
from bot.slack.listeners.share_ui import open_share_modal, week_from

SHARE_SHORTCUT = "share_artifact"


def share_shortcut(ack: Ack, body: dict, runtime: Runtime) -> None:
    ack()
    open_share_modal(runtime, body["trigger_id"], week_from(None, runtime), body["user"]["id"])
