"""The NudgeDms port on Slack: a person's nudge DMs are rewritten in place (chat.update) once they answer."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.nudges import AnsweredNudgeDms
from bot.slack.blocks.nudge import answer_text, answered_message

log = logging.getLogger(__name__)


class SlackNudgeDms:
    """Shows an answer in the DMs that asked for it; a DM Slack refuses to update stays as it was."""

    def __init__(self, client: WebClient) -> None:
        self._client = client

    def show_answer(self, dms: AnsweredNudgeDms) -> int:
        message = answered_message(dms.week, dms.tokens, dms.spend_usd, answer_text(dms.answer))
        updated = 0
        for channel, ts in dms.sent:
            try:
                self._client.chat_update(channel=channel, ts=ts, text=message["text"], blocks=message["blocks"])
                updated += 1
            except SlackApiError as exc:  # the answer is stored; a stale DM is cosmetic
                log.warning("could not update the DM %s/%s: %s", channel, ts, exc.response.get("error"))
        return updated
