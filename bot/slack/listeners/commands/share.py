"""`/buildboard share`: the share modal for the current week."""

from __future__ import annotations

from bot.runtime import Runtime
from bot.slack.listeners.commands.router import CommandCall
from bot.slack.listeners.share_ui import open_share_modal, week_from


def share_command(runtime: Runtime, call: CommandCall) -> dict | None:
    # Before the ack: views.open needs the trigger_id, which lives 3 seconds.
    open_share_modal(runtime, call.trigger_id or "", week_from(None, runtime), call.user_id)
    return None
