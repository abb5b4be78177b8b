"""The global shortcut "Share what I built": the share modal for the current week."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.deps import Deps
from bot.slack.listeners.share_ui import open_share_modal, week_from

SHARE_SHORTCUT = "share_artifact"


def register(app: App, deps: Deps) -> None:
    @app.shortcut(SHARE_SHORTCUT)
    def share_shortcut(ack, body):
        ack()
        open_share_modal(deps, body["trigger_id"], week_from(None, deps), body["user"]["id"])
