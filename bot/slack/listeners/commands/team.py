"""`/buildboard team [@manager | team name] [weeks]`: a manager's (or admin's) view of a group."""

from __future__ import annotations

from bot.domain.command_args import ArgumentProblem, parse_target_and_weeks
from bot.services.authority import caller
from bot.services.team import team_answer
from bot.slack.blocks.personal import not_known_blocks
from bot.slack.blocks.team import refusal_answer, team_blocks, team_text
from bot.slack.listeners.commands.router import arguments_text, subcommand

USAGE = "team [@manager | team name] [weeks]"


@subcommand("team", USAGE, "your team's usage and output (default: everyone below you, last week; up to 12 weeks)")
def show_team(deps, call, respond):
    try:
        target, weeks = parse_target_and_weeks(arguments_text(call))
    except ArgumentProblem as exc:
        return refusal_answer(f"{exc} Usage: `/buildboard {USAGE}`.")
    lookup = deps.lookup_user
    with deps.sessions.begin() as session:
        _, viewer = caller(session, call.user_id, deps.settings, lookup)
        if viewer is None:
            return not_known_blocks()
        answer = team_answer(session, viewer, target, weeks, deps.settings, now=deps.clock(), lookup_user=lookup)
        if answer.refusal is not None:
            return refusal_answer(answer.refusal.text)
        assert answer.report is not None
        return {"text": team_text(answer.report), "blocks": team_blocks(answer.report)}
