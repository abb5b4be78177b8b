"""Modal submissions: share what you built, and "nothing to show yet"."""

from __future__ import annotations

from slack_bolt import App

from bot.runtime import Runtime
from bot.slack.blocks.share import NOTHING_MODAL, SHARE_MODAL
from bot.slack.listeners.binding import with_runtime
from bot.slack.listeners.views.nothing_to_show_submitted import nothing_to_show_submitted
from bot.slack.listeners.views.share_submitted import share_submitted


def register(app: App, runtime: Runtime) -> None:
    app.view(SHARE_MODAL)(with_runtime(share_submitted, runtime))
    app.view(NOTHING_MODAL)(with_runtime(nothing_to_show_submitted, runtime))
