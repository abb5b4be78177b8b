"""What several listeners do the same way: open the share modal, publish App Home, find the sender."""

from __future__ import annotations

import json
import logging

from slack_sdk.errors import SlackApiError

from bot.domain.periods import IsoWeek
from bot.services.artifacts import ARTIFACT_SAVED_HOOKS
from bot.services.home import home_for
from bot.services.identity import person_for_slack_user
from bot.slack.blocks.home import home_view, unknown_home
from bot.slack.blocks.share import share_modal
from bot.slack.delivery import OutboxSender
from bot.slack.deps import Deps

log = logging.getLogger(__name__)


def week_from(value: str | None, deps: Deps) -> IsoWeek:
    """The week a button or a modal carries ({"week": "2026-W47"} or "2026-W47").

    Anything else (no week, or another tag such as the digest's "digest") means the current week.
    """
    text = value or ""
    if text.startswith("{"):
        try:
            text = str((json.loads(text) or {}).get("week") or "")
        except (json.JSONDecodeError, AttributeError):
            text = ""
    try:
        return IsoWeek.parse(text)
    except ValueError:
        return IsoWeek.current(deps.clock(), deps.settings.zone)


def open_share_modal(deps: Deps, trigger_id: str, week: IsoWeek, user_id: str) -> None:
    """Open the modal first (the trigger_id lives 3 s), then remember who the user is for the submission."""
    deps.client.views_open(trigger_id=trigger_id, view=share_modal(week))
    with deps.sessions.begin() as session:
        person_for_slack_user(session, user_id, deps.lookup_user)


def publish_home(deps: Deps, user_id: str) -> None:
    """Build and publish the user's App Home (their own numbers only)."""
    with deps.sessions.begin() as session:
        person = person_for_slack_user(session, user_id, deps.lookup_user)
        view = home_view(home_for(session, person, deps.clock(), deps.settings)) if person else unknown_home()
    try:
        deps.client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        log.warning("could not publish App Home for %s: %s", user_id, exc.response.get("error"))


def sender_for(deps: Deps) -> OutboxSender:
    """One outbox sender per app (it keeps the pacing between posts)."""
    sender = deps.extras.get("outbox_sender")
    if sender is None:
        sender = deps.extras.setdefault("outbox_sender", OutboxSender(deps.sessions, deps.client, clock=deps.clock))
    return sender


def artifact_hooks(deps: Deps) -> list:
    return list(deps.extras.get(ARTIFACT_SAVED_HOOKS) or [])


def tell(deps: Deps, user_id: str, text: str) -> None:
    """A short DM to the user when something they did could not be done."""
    try:
        deps.client.chat_postMessage(channel=user_id, text=text)
    except SlackApiError as exc:
        log.warning("could not DM %s: %s", user_id, exc.response.get("error"))
