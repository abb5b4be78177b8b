"""`/buildboard user @person [weeks]`: one person's numbers, for their managers and admins."""

from __future__ import annotations

from bot.domain.command_args import ArgumentProblem, parse_person
from bot.services.authority import caller
from bot.services.team import person_answer
from bot.slack.blocks.personal import not_known_blocks
from bot.slack.blocks.team import person_blocks, refusal_answer
from bot.slack.listeners.commands.router import arguments_text, subcommand

USAGE = "user @person [weeks]"
DEFAULT_WEEKS = 4


@subcommand("user", USAGE, "someone's weeks, artifacts, titles and flags (their managers and admins only)")
def show_user(deps, call, respond):
    try:
        user_id, weeks = parse_person(arguments_text(call))
    except ArgumentProblem as exc:
        return refusal_answer(f"{exc} Usage: `/buildboard {USAGE}`.")
    lookup = deps.lookup_user
    with deps.sessions.begin() as session:
        _, viewer = caller(session, call.user_id, deps.settings, lookup)
        if viewer is None:
            return not_known_blocks()
        report, refusal = person_answer(
            session, viewer, user_id, weeks or DEFAULT_WEEKS, deps.settings, now=deps.clock(), lookup_user=lookup
        )
        if refusal is not None:
            return refusal_answer(refusal.text)
        assert report is not None
        return {"text": f"{report.person.name or 'Someone'}: numbers", "blocks": person_blocks(report)}
