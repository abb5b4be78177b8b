"""`/buildboard privacy on|off`: keep your name out of public posts."""

from __future__ import annotations

from bot.runtime import Runtime
from bot.services.identity import person_for_slack_user
from bot.services.privacy import set_public_opt_out
from bot.slack.blocks.leaderboard import privacy_blocks, privacy_usage_blocks
from bot.slack.blocks.personal import not_known_blocks
from bot.slack.listeners.commands.router import CommandCall

CHOICES = {"on": True, "off": False}


def set_privacy(runtime: Runtime, call: CommandCall) -> dict | None:
    choice = call.args[0].lower() if call.args else None
    with runtime.sessions.begin() as session:
        person = person_for_slack_user(session, call.user_id, runtime.lookup_user)
        if person is None:
            return not_known_blocks()
        if choice not in CHOICES or len(call.args) > 1:
            return privacy_usage_blocks(person.public_opt_out)
        changed = set_public_opt_out(person, CHOICES[choice], now=runtime.clock())
        return privacy_blocks(CHOICES[choice], changed)
