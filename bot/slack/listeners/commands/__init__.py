"""The `/buildboard` slash command."""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App

from bot.slack.deps import Deps
from bot.slack.listeners.commands import export as _export  # noqa: F401
from bot.slack.listeners.commands import help as _help  # noqa: F401  (registers subcommands)
from bot.slack.listeners.commands import leaderboard as _leaderboard  # noqa: F401
from bot.slack.listeners.commands import me as _me  # noqa: F401
from bot.slack.listeners.commands import privacy as _privacy  # noqa: F401
from bot.slack.listeners.commands import share as _share  # noqa: F401
from bot.slack.listeners.commands import team as _team  # noqa: F401
from bot.slack.listeners.commands import user as _user  # noqa: F401
from bot.slack.listeners.commands.help import help_answer
from bot.slack.listeners.commands.router import SUBCOMMANDS, CommandCall, parse

log = logging.getLogger(__name__)
FAILURE_TEXT = "Sorry, something went wrong on our side. It has been logged; please try again in a minute."
# Answers that follow the ack run here, not on Bolt's listener threads (5 of them): a burst of slow
# answers must not keep later commands from being acknowledged within Slack's 3 seconds.
ANSWER_WORKERS = 4
ANSWER_NICENESS = 10  # below the threads that ack, where the OS allows a thread its own priority (Linux)


def _lower_priority() -> None:
    """Run this answer thread at a lower CPU priority, so acks win when the machine is busy."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), ANSWER_NICENESS)
    except (AttributeError, OSError):  # not Linux, or not permitted: answers simply share the CPU
        pass


_answers = ThreadPoolExecutor(
    max_workers=ANSWER_WORKERS, thread_name_prefix="buildboard-answer", initializer=_lower_priority
)


def register(app: App, deps: Deps) -> None:
    @app.command("/buildboard")
    def buildboard_command(ack, command, respond):
        name, args = parse(command.get("text", ""))
        call = CommandCall(
            user_id=command["user_id"],
            team_id=command.get("team_id"),
            channel_id=command.get("channel_id"),
            name=name,
            args=args,
            raw_text=command.get("text", ""),
            trigger_id=command.get("trigger_id"),
        )
        chosen = SUBCOMMANDS.get(name)
        if chosen is None:
            ack(response_type="ephemeral", **help_answer(unknown=name))
            return
        if chosen.answers_in_ack:
            answer = _run(chosen, deps, call, respond)
            ack(response_type="ephemeral", **(answer or {}))
            return
        ack()  # Slack needs the ack within 3 s; the answer follows through response_url.
        _answers.submit(_answer, chosen, deps, call, respond)


def _answer(chosen, deps: Deps, call: CommandCall, respond) -> None:
    answer = _run(chosen, deps, call, respond)
    if answer:
        try:
            respond(response_type="ephemeral", replace_original=False, **answer)
        except Exception:  # Slack unreachable: log it; the user can ask again
            log.exception("/buildboard %s: could not answer %s through response_url", call.name, call.user_id)


def _run(chosen, deps: Deps, call: CommandCall, respond) -> dict | None:
    try:
        return chosen.handler(deps, call, respond)
    except Exception:
        log.exception("/buildboard %s failed for %s", call.name, call.user_id)
        return {"text": FAILURE_TEXT}
