"""`/buildboard export [@manager | team name] [weeks]`: a CSV of what the caller may see, sent in a DM."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.domain.command_args import ArgumentProblem, parse_target_and_weeks
from bot.services.authority import caller
from bot.services.team_export import build_export, send_to_dm
from bot.slack.blocks.personal import not_known_blocks
from bot.slack.blocks.team import refusal_answer
from bot.slack.listeners.commands.router import arguments_text, subcommand

log = logging.getLogger(__name__)
USAGE = "export [@manager | team name] [weeks]"
DEFAULT_WEEKS = 12


@subcommand(
    "export", USAGE, "a CSV of the numbers you may see (default: your team, last 12 weeks), sent to you in a DM"
)
def send_export(deps, call, respond):
    try:
        target, weeks = parse_target_and_weeks(arguments_text(call), default_weeks=DEFAULT_WEEKS)
    except ArgumentProblem as exc:
        return refusal_answer(f"{exc} Usage: `/buildboard {USAGE}`.")
    lookup = deps.lookup_user
    with deps.sessions.begin() as session:
        _, viewer = caller(session, call.user_id, deps.settings, lookup)
        if viewer is None:
            return not_known_blocks()
        export, refusal = build_export(
            session, viewer, target, weeks, now=deps.clock(), zone=deps.settings.zone, lookup_user=lookup
        )
        if refusal is not None:
            return refusal_answer(refusal.text)
        assert export is not None
        try:
            send_to_dm(deps.client, call.user_id, export)
        except SlackApiError as exc:
            log.warning("export upload failed for %s: %s", call.user_id, exc.response.get("error"))
            session.rollback()  # nothing was delivered, so nothing was viewed
            return {"text": "I couldn't send the file just now (Slack refused the upload). Please try again."}
    return {
        "text": f"Sent you {export.filename} in a DM: {export.rows} rows for {export.people} people "
        f"({export.group.label}, {export.weeks[0]} to {export.weeks[-1]})."
    }
