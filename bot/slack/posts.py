"""The PostRemover port on Slack: a message the bot posted is deleted with chat.delete."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.delivery import NETWORK_ERRORS

log = logging.getLogger(__name__)

# Answers that mean the message is not there any more (nothing left to delete).
ALREADY_GONE = frozenset({"message_not_found", "channel_not_found"})


class SlackPostRemover:
    """Deletes the bot's own posts; a post Slack will not delete now is reported, never raised."""

    def __init__(self, client: WebClient) -> None:
        self._client = client

    def delete_post(self, channel: str, ts: str) -> bool:
        try:
            self._client.chat_delete(channel=channel, ts=ts)
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error in ALREADY_GONE:
                return True
            log.warning("could not delete the post %s/%s: %s", channel, ts, error)
            return False
        except NETWORK_ERRORS as exc:  # Slack unreachable: the post stays queued for deletion
            log.warning("could not delete the post %s/%s: %s", channel, ts, type(exc).__name__)
            return False
        return True
