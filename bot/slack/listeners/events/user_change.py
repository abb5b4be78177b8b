"""`user_change`: someone deactivated (or reactivated) in Slack."""

from __future__ import annotations

from slack_bolt import App

from bot.services.people import apply_slack_user_change
from bot.slack.deps import Deps


def register(app: App, deps: Deps) -> None:
    @app.event("user_change")
    def user_changed(event):
        with deps.sessions.begin() as session:
            apply_slack_user_change(session, event.get("user") or {}, now=deps.clock())
