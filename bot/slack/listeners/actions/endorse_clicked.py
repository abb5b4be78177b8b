"""The "I use this" button on a showcase post or a digest highlight: endorse, answer privately, update the count."""

from __future__ import annotations

import logging

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.evidence import Refusal
from bot.runtime import Runtime
from bot.services.endorsements import endorse
from bot.slack.blocks.endorse import endorsed_text, refusal_text, with_endorsement_count
from bot.slack.listeners.share_ui import artifact_id_from

log = logging.getLogger(__name__)


def endorse_clicked(ack: Ack, body: dict, action: dict, respond: Respond, client: WebClient, runtime: Runtime) -> None:
    ack()
    artifact_id = artifact_id_from(action)
    if artifact_id is None:
        respond(text=refusal_text(Refusal.NO_ARTIFACT), response_type="ephemeral", replace_original=False)
        return
    with runtime.sessions.begin() as session:
        outcome = endorse(session, artifact_id, body["user"]["id"], runtime.clock(), runtime.settings.zone)
    if outcome.refusal is not None:
        respond(text=refusal_text(outcome.refusal), response_type="ephemeral", replace_original=False)
        return
    respond(text=endorsed_text(outcome.endorsements), response_type="ephemeral", replace_original=False)
    message, channel = body.get("message") or {}, (body.get("channel") or {}).get("id")
    blocks = with_endorsement_count(message.get("blocks") or [], artifact_id, outcome.endorsements)
    if blocks is None or not channel or not message.get("ts"):
        return
    try:  # the public count on the post; a failure leaves it one behind until the next click
        client.chat_update(channel=channel, ts=message["ts"], blocks=blocks, text=message.get("text") or "")
    except SlackApiError as exc:
        log.warning("could not update the endorsement count on %s: %s", channel, exc.response.get("error"))
