"""Global shortcuts: "Share what I built"."""

from __future__ import annotations

from slack_bolt import App

from bot.runtime import Runtime
from bot.slack.listeners.binding import with_runtime
from bot.slack.listeners.shortcuts.share_shortcut import SHARE_SHORTCUT, share_shortcut


def register(app: App, runtime: Runtime) -> None:
    app.shortcut(SHARE_SHORTCUT)(with_runtime(share_shortcut, runtime))
