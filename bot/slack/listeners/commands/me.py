"""`/buildboard me`: the caller's own week; `/buildboard me data`: everything stored about the caller."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.runtime import Runtime
from bot.services.personal import my_numbers, my_stored_data
from bot.slack.blocks.personal import me_blocks, not_known_blocks
from bot.slack.blocks.text import context
from bot.slack.blocks.transparency import FILE_NAME, my_data_blocks
from bot.slack.files import send_file_to_user
from bot.slack.listeners.commands.router import CommandCall

log = logging.getLogger(__name__)


def show_me(runtime: Runtime, call: CommandCall) -> dict | None:
    if call.args[:1] == ["data"]:
        return show_my_data(runtime, call)
    with runtime.sessions.begin() as session:
        mine = my_numbers(
            session, call.user_id, runtime.clock(), runtime.settings, runtime.lookup_user, runtime.week_standings
        )
    if mine is None:
        return not_known_blocks()
    blocks = me_blocks(
        mine.current, mine.last, mine.viewed_by, titles=mine.titles, flags=mine.flags, spend_public=mine.spend_public
    )
    return {"text": "Your Buildboard numbers", "blocks": blocks}


def show_my_data(runtime: Runtime, call: CommandCall) -> dict:
    with runtime.sessions.begin() as session:
        data = my_stored_data(session, call.user_id, runtime.clock(), runtime.settings, runtime.lookup_user)
    if data is None:
        return not_known_blocks()
    blocks, cut = my_data_blocks(data)
    if cut:
        try:
            send_file_to_user(
                runtime.slack,
                call.user_id,
                filename=FILE_NAME,
                content=data.as_json(),
                title="Everything Buildboard stores about you",
                comment="Here is the complete record you asked for with `/buildboard me data`.",
            )
        except SlackApiError as exc:
            log.warning("could not send the data file to %s: %s", call.user_id, exc.response.get("error"))
            blocks[-1] = context(
                "Only you can see this. The record is longer than a message and the file could not be sent "
                "just now: run `/buildboard me data` again in a minute."
            )
    return {"text": "Everything Buildboard stores about you", "blocks": blocks}
