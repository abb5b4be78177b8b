"""The `/buildboard` subcommands, in the order `/buildboard help` lists them."""

from __future__ import annotations

from bot.slack.listeners.commands.export import USAGE as EXPORT_USAGE
from bot.slack.listeners.commands.export import send_export
from bot.slack.listeners.commands.help import show_help
from bot.slack.listeners.commands.leaderboard import show_leaderboard
from bot.slack.listeners.commands.me import show_me
from bot.slack.listeners.commands.privacy import set_privacy
from bot.slack.listeners.commands.router import Subcommand
from bot.slack.listeners.commands.share import share_command
from bot.slack.listeners.commands.team import USAGE as TEAM_USAGE
from bot.slack.listeners.commands.team import show_team
from bot.slack.listeners.commands.user import USAGE as USER_USAGE
from bot.slack.listeners.commands.user import show_user

SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        "export",
        EXPORT_USAGE,
        "a CSV of the numbers you may see (default: your team, last 12 weeks), sent to you in a DM",
        send_export,
    ),
    Subcommand("help", "help", "this list", show_help, answers_in_ack=True),
    Subcommand("leaderboard", "leaderboard", "this week so far, ranked by what was built", show_leaderboard),
    Subcommand(
        "me",
        "me",
        "your own numbers this week and last and who looked at them "
        "(`/buildboard me data`: everything stored about you)",
        show_me,
    ),
    Subcommand(
        "privacy", "privacy on|off", "keep your name out of public posts (you still count in totals)", set_privacy
    ),
    Subcommand("share", "share", "share what you built with AI this week", share_command, answers_in_ack=True),
    Subcommand(
        "team",
        TEAM_USAGE,
        "your team's usage and output (default: everyone below you, last week; up to 12 weeks)",
        show_team,
    ),
    Subcommand(
        "user", USER_USAGE, "someone's weeks, artifacts, titles and flags (their managers and admins only)", show_user
    ),
)
