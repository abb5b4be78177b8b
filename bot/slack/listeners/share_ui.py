"""What several listeners do the same way: read a week or metadata, open the share modal, publish App Home, DM."""

from __future__ import annotations

import json
import logging

from slack_sdk.errors import SlackApiError

from bot.domain.periods import IsoWeek
from bot.domain.reports import Home
from bot.runtime import Runtime
from bot.services.home import home_of
from bot.services.home_chart import forget_chart_file, personal_chart_file
from bot.services.identity import link_slack_user
from bot.slack.blocks.home import home_view, unknown_home
from bot.slack.blocks.share import share_modal

log = logging.getLogger(__name__)


def week_from(value: str | None, runtime: Runtime) -> IsoWeek:
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
        return IsoWeek.current(runtime.clock(), runtime.settings.zone)


def artifact_id_from(action: dict) -> int | None:
    """The artifact id an Edit or Delete button carries (None when the value is not a number)."""
    try:
        return int(action.get("value") or "")
    except ValueError:
        return None


def private_metadata(view: dict) -> dict:
    """What a modal carries in private_metadata (the week, the artifact being edited); {} when unreadable."""
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except (json.JSONDecodeError, TypeError):
        return {}
    return metadata if isinstance(metadata, dict) else {}  # a client may submit any JSON, e.g. a list


def open_share_modal(runtime: Runtime, trigger_id: str, week: IsoWeek, user_id: str) -> None:
    """Open the modal first (the trigger_id lives 3 s), then remember who the user is for the submission."""
    runtime.slack.views_open(trigger_id=trigger_id, view=share_modal(week))
    with runtime.sessions.begin() as session:
        link_slack_user(session, user_id, runtime.lookup_user)


def publish_home(runtime: Runtime, user_id: str) -> None:
    """Build and publish the user's App Home (their own numbers only)."""
    with runtime.sessions.begin() as session:
        home = home_of(session, user_id, runtime.clock(), runtime.settings, runtime.lookup_user)
    publish_home_view(runtime, user_id, home)


def home_chart_file(runtime: Runtime, home: Home) -> str | None:
    """The Slack file of the person's trend chart (drawn and uploaded at most once per week and set of numbers).

    Without it App Home still shows the numbers: a failed upload costs the picture, not the page.
    """
    if home.trend is None or home.person_id is None:
        return None
    week = IsoWeek.current(runtime.clock(), runtime.settings.zone)
    try:
        return personal_chart_file(
            runtime.sessions,
            home.person_id,
            week,
            home.trend,
            runtime.chart_renderer,
            runtime.private_files,
            runtime.clock(),
        )
    except SlackApiError as exc:
        log.warning("could not upload the App Home chart for person %d: %s", home.person_id, exc.response.get("error"))
        return None


def publish_home_view(runtime: Runtime, user_id: str, home: Home | None) -> None:
    """Publish `home` as the user's App Home (None: the page for someone not in the people file)."""
    chart_file = home_chart_file(runtime, home) if home is not None else None
    view = home_view(home, chart_file) if home is not None else unknown_home()
    try:
        runtime.slack.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        if home is None or chart_file is None or home.person_id is None:
            log.warning("could not publish App Home for %s: %s", user_id, exc.response.get("error"))
            return
        # The remembered chart may be gone from Slack (deleted by an admin): forget it, publish the numbers.
        log.warning(
            "App Home with its chart refused for %s (%s): published without", user_id, exc.response.get("error")
        )
        with runtime.sessions.begin() as session:
            forget_chart_file(session, home.person_id, IsoWeek.current(runtime.clock(), runtime.settings.zone))
        try:
            runtime.slack.views_publish(user_id=user_id, view=home_view(home))
        except SlackApiError as again:
            log.warning("could not publish App Home for %s: %s", user_id, again.response.get("error"))


def tell(runtime: Runtime, user_id: str, text: str) -> None:
    """A short DM to the user when something they did could not be done."""
    try:
        runtime.slack.chat_postMessage(channel=user_id, text=text)
    except SlackApiError as exc:
        log.warning("could not DM %s: %s", user_id, exc.response.get("error"))
