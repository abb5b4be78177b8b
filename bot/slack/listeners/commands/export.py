"""`/buildboard export [@manager | team name] [weeks]`: a CSV of what the caller may see, sent in a DM."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.domain.command_args import ArgumentProblem, parse_target_and_weeks
from bot.domain.reports import TeamExport
from bot.runtime import Runtime
from bot.services.team_export import export_for_caller
from bot.slack.blocks.personal import not_known_blocks
from bot.slack.blocks.team import export_file_comment, export_file_title, export_sent_answer, refusal_answer
from bot.slack.files import send_file_to_user
from bot.slack.listeners.commands.router import CommandCall, arguments_text

log = logging.getLogger(__name__)
USAGE = "export [@manager | team name] [weeks]"
DEFAULT_WEEKS = 12


def send_export(runtime: Runtime, call: CommandCall) -> dict | None:
    try:
        target, weeks = parse_target_and_weeks(arguments_text(call), default_weeks=DEFAULT_WEEKS)
    except ArgumentProblem as exc:
        return refusal_answer(f"{exc} Usage: `/buildboard {USAGE}`.")

    def to_caller_dm(export: TeamExport) -> None:
        send_file_to_user(
            runtime.slack,
            call.user_id,
            filename=export.filename,
            content=export.content,
            title=export_file_title(export),
            comment=export_file_comment(export),
        )

    try:
        # A refused upload leaves this block with the exception: the transaction, and the audit rows, roll back.
        with runtime.sessions.begin() as session:
            answer = export_for_caller(
                session,
                call.user_id,
                target,
                weeks,
                runtime.settings,
                now=runtime.clock(),
                deliver=to_caller_dm,
                lookup_user=runtime.lookup_user,
            )
    except SlackApiError as exc:
        log.warning("export upload failed for %s: %s", call.user_id, exc.response.get("error"))
        return {"text": "I couldn't send the file just now (Slack refused the upload). Please try again."}
    if answer is None:
        return not_known_blocks()
    export, refusal = answer
    if refusal is not None:
        return refusal_answer(refusal.text)
    assert export is not None
    return export_sent_answer(export)
