"""`/buildboard me`: the caller's own week."""

from __future__ import annotations

from bot.services.people import person_for_slack_user
from bot.services.personal import current_and_last_week, my_week
from bot.services.team import flags_for, titles_of
from bot.slack.blocks.personal import me_blocks, not_known_blocks
from bot.slack.listeners.commands.router import subcommand


@subcommand("me", "me", "your own numbers this week and last, your rank and what you shared")
def show_me(deps, call, respond):
    current, last = current_and_last_week(deps.clock(), deps.settings)
    with deps.sessions.begin() as session:
        person = person_for_slack_user(session, call.user_id, lambda uid: deps.client.users_info(user=uid))
        if person is None:
            return not_known_blocks()
        blocks = me_blocks(
            my_week(session, person, current, deps.settings),
            my_week(session, person, last, deps.settings),
            titles=titles_of(session, person.id, [last, current], deps.settings),
            flags=flags_for(session, [person.id], last, deps.settings).get(person.id, []),
        )
    return {"text": "Your Buildboard numbers", "blocks": blocks}
