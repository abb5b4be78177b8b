"""`/buildboard …`: ack at once, answer through response_url from the Runtime's answer threads."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from slack_bolt import Ack, Respond

from bot.runtime import Runtime
from bot.slack.listeners.commands.help import help_answer
from bot.slack.listeners.commands.router import CommandCall, Subcommand, parse

log = logging.getLogger(__name__)
FAILURE_TEXT = "Sorry, something went wrong on our side. It has been logged; please try again in a minute."


def buildboard_command(
    ack: Ack, command: dict, respond: Respond, runtime: Runtime, subcommands: Sequence[Subcommand]
) -> None:
    name, args = parse(command.get("text", ""))
    call = CommandCall(
        user_id=command["user_id"],
        team_id=command.get("team_id"),
        channel_id=command.get("channel_id"),
        name=name,
        args=args,
        raw_text=command.get("text", ""),
        trigger_id=command.get("trigger_id"),
        subcommands=subcommands,
    )
    chosen = next((s for s in subcommands if s.name == name), None)
    if chosen is None:
        answer = help_answer(subcommands, unknown=name, spend_public=runtime.settings.spend_public)
        ack(response_type="ephemeral", **answer)
        return
    if chosen.answers_in_ack:
        answer = _run(chosen, runtime, call)
        ack(response_type="ephemeral", **(answer or {}))
        return
    ack()  # Slack needs the ack within 3 s; the answer follows through response_url.
    runtime.answer_pool.submit(_answer, chosen, runtime, call, respond)


def _answer(chosen: Subcommand, runtime: Runtime, call: CommandCall, respond: Respond) -> None:
    answer = _run(chosen, runtime, call)
    if answer:
        try:
            respond(response_type="ephemeral", replace_original=False, **answer)
        except Exception:  # Slack unreachable: log it; the user can ask again
            log.exception("/buildboard %s: could not answer %s through response_url", call.name, call.user_id)


def _run(chosen: Subcommand, runtime: Runtime, call: CommandCall) -> dict | None:
    try:
        return chosen.handler(runtime, call)
    except Exception:
        log.exception("/buildboard %s failed for %s", call.name, call.user_id)
        return {"text": FAILURE_TEXT}
