"""`/buildboard share`: the share modal for the current week."""

from __future__ import annotations

from bot.slack.listeners.commands.router import subcommand
from bot.slack.listeners.share_ui import open_share_modal, week_from


@subcommand("share", "share", "share what you built with AI this week", answers_in_ack=True)
def share_command(deps, call, respond):
    # Before the ack: views.open needs the trigger_id, which lives 3 seconds.
    open_share_modal(deps, call.trigger_id or "", week_from(None, deps), call.user_id)
    return None
