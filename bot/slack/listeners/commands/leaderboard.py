"""`/buildboard leaderboard`: the current week so far (public information, plus your own line)."""

from __future__ import annotations

from bot.runtime import Runtime
from bot.services.identity import person_for_slack_user
from bot.services.leaderboard import current_leaderboard
from bot.slack.blocks.leaderboard import leaderboard_blocks
from bot.slack.listeners.commands.router import CommandCall


def show_leaderboard(runtime: Runtime, call: CommandCall) -> dict | None:
    with runtime.sessions.begin() as session:
        viewer = person_for_slack_user(session, call.user_id, runtime.lookup_user)
        return leaderboard_blocks(current_leaderboard(session, runtime.clock(), runtime.settings, viewer))
