"""`/buildboard leaderboard`: the current week so far (public information, plus your own line)."""

from __future__ import annotations

from bot.services.identity import person_for_slack_user
from bot.services.leaderboard import current_leaderboard
from bot.slack.blocks.leaderboard import leaderboard_blocks
from bot.slack.listeners.commands.router import subcommand


@subcommand("leaderboard", "leaderboard", "this week so far, ranked by what was built")
def show_leaderboard(deps, call, respond):
    with deps.sessions.begin() as session:
        viewer = person_for_slack_user(session, call.user_id, deps.lookup_user)
        return leaderboard_blocks(current_leaderboard(session, deps.clock(), deps.settings, viewer))
