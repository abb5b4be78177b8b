"""`/buildboard privacy on|off`: keep your name out of public posts."""

from __future__ import annotations

from bot.runtime import Runtime
from bot.services.personal import set_my_privacy
from bot.slack.blocks.leaderboard import privacy_blocks, privacy_usage_blocks
from bot.slack.blocks.personal import not_known_blocks
from bot.slack.listeners.commands.router import CommandCall

CHOICES = {"on": True, "off": False}


def set_privacy(runtime: Runtime, call: CommandCall) -> dict | None:
    # None (no choice, or not one we understand): the setting is only read, and the usage shown with it.
    opt_out = CHOICES.get(call.args[0].lower()) if len(call.args) == 1 else None
    with runtime.sessions.begin() as session:
        setting = set_my_privacy(session, call.user_id, opt_out, runtime.clock(), runtime.lookup_user)
    if setting is None:
        return not_known_blocks()
    if opt_out is None:
        return privacy_usage_blocks(setting.public_opt_out)
    return privacy_blocks(setting.public_opt_out, setting.changed)
