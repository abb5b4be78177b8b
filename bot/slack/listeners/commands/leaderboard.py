"""`/buildboard leaderboard`: this week so far (public information, plus your own line), for people we know."""

from __future__ import annotations

from bot.runtime import Runtime
from bot.services.personal import my_leaderboard
from bot.slack.blocks.leaderboard import leaderboard_blocks
from bot.slack.blocks.personal import not_known_blocks
from bot.slack.listeners.commands.router import CommandCall


def show_leaderboard(runtime: Runtime, call: CommandCall) -> dict | None:
    with runtime.sessions.begin() as session:
        board = my_leaderboard(
            session, call.user_id, runtime.clock(), runtime.settings, runtime.lookup_user, runtime.week_standings
        )
    if board is None:
        return not_known_blocks()
    return leaderboard_blocks(board)
