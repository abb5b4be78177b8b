"""`/buildboard user @person [weeks]`: one person's numbers, for their managers and admins."""

from __future__ import annotations

from bot.domain.command_args import ArgumentProblem, parse_person
from bot.runtime import Runtime
from bot.services.team import person_answer_for
from bot.slack.blocks.personal import not_known_blocks
from bot.slack.blocks.team import person_blocks, person_text, refusal_answer
from bot.slack.listeners.commands.router import CommandCall, arguments_text

USAGE = "user @person [weeks]"
DEFAULT_WEEKS = 4


def show_user(runtime: Runtime, call: CommandCall) -> dict | None:
    try:
        user_id, weeks = parse_person(arguments_text(call))
    except ArgumentProblem as exc:
        return refusal_answer(f"{exc} Usage: `/buildboard {USAGE}`.")
    with runtime.sessions.begin() as session:
        answer = person_answer_for(
            session,
            call.user_id,
            user_id,
            weeks or DEFAULT_WEEKS,
            runtime.settings,
            now=runtime.clock(),
            lookup_user=runtime.lookup_user,
        )
    if answer is None:
        return not_known_blocks()
    report, refusal = answer
    if refusal is not None:
        return refusal_answer(refusal.text)
    assert report is not None
    return {"text": person_text(report), "blocks": person_blocks(report)}
