"""`/buildboard privacy on|off`: keep your name out of public posts."""

from __future__ import annotations

from bot.services.identity import person_for_slack_user
from bot.services.privacy import set_public_opt_out
from bot.slack.blocks.leaderboard import privacy_blocks, privacy_usage_blocks
from bot.slack.blocks.personal import not_known_blocks
from bot.slack.listeners.commands.router import subcommand

CHOICES = {"on": True, "off": False}


@subcommand("privacy", "privacy on|off", "keep your name out of public posts (you still count in totals)")
def set_privacy(deps, call, respond):
    choice = call.args[0].lower() if call.args else None
    with deps.sessions.begin() as session:
        person = person_for_slack_user(session, call.user_id, deps.lookup_user)
        if person is None:
            return not_known_blocks()
        if choice not in CHOICES or len(call.args) > 1:
            return privacy_usage_blocks(person.public_opt_out)
        changed = set_public_opt_out(person, CHOICES[choice], now=deps.clock())
        return privacy_blocks(CHOICES[choice], changed)
