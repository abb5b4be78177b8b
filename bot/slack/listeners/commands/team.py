"""`/buildboard team [@manager | team name] [weeks]`: a manager's (or admin's) view of a group."""

from __future__ import annotations

from bot.domain.command_args import ArgumentProblem, parse_target_and_weeks
from bot.runtime import Runtime
from bot.services.team import team_answer_for
from bot.slack.blocks.personal import not_known_blocks
from bot.slack.blocks.team import refusal_answer, team_blocks, team_text
from bot.slack.listeners.commands.router import CommandCall, arguments_text

USAGE = "team [@manager | team name] [weeks]"


def show_team(runtime: Runtime, call: CommandCall) -> dict | None:
    try:
        target, weeks = parse_target_and_weeks(arguments_text(call))
    except ArgumentProblem as exc:
        return refusal_answer(f"{exc} Usage: `/buildboard {USAGE}`.")
    with runtime.sessions.begin() as session:
        answer = team_answer_for(
            session,
            call.user_id,
            target,
            weeks,
            runtime.settings,
            now=runtime.clock(),
            lookup_user=runtime.lookup_user,
            quick_writes=runtime.quick_writes_engine,
        )
    if answer is None:
        return not_known_blocks()
    if answer.refusal is not None:
        return refusal_answer(answer.refusal.text)
    assert answer.report is not None
    return {"text": team_text(answer.report), "blocks": team_blocks(answer.report, chart_target=target)}
