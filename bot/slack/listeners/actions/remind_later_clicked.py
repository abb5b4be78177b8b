"""The nudge's "Remind me later" button: snooze the nudge, or say why it cannot be."""

from __future__ import annotations

from slack_bolt import Ack, Respond

from bot.runtime import Runtime
from bot.services.identity import PersonUnknown
from bot.services.nudges import remind_later
from bot.slack.blocks.nudge import answer_reply
from bot.slack.listeners.share_ui import week_from

NOT_KNOWN = "I can't find you in Buildboard's people list yet. Ask your Buildboard admin to add your email."


def remind_later_clicked(ack: Ack, body: dict, action: dict, respond: Respond, runtime: Runtime) -> None:
    ack()
    try:
        outcome = remind_later(
            runtime.sessions,
            runtime.nudge_dms,
            runtime.settings,
            body["user"]["id"],
            week_from(action.get("value"), runtime),
            runtime.clock(),
            runtime.lookup_user,
        )
    except PersonUnknown:
        respond(text=NOT_KNOWN, response_type="ephemeral", replace_original=False)
        return
    if outcome.status != "snoozed":
        respond(text=answer_reply(outcome.status, outcome.answer), response_type="ephemeral", replace_original=False)
