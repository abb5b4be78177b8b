"""`user_change`: a deactivated (deleted) Slack user is marked inactive, or forgotten when configured."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.services.erasure import apply_slack_user_change
from bot.slack.deps import Deps

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    @app.event("user_change")
    def on_user_change(event):
        outcome = apply_slack_user_change(
            deps.sessions,
            event.get("user") or {},
            forget_deactivated=deps.settings.forget_deactivated,
            now=deps.clock(),
        )
        if outcome not in ("unknown", "unchanged"):
            log.info("user_change for %s: %s", (event.get("user") or {}).get("id"), outcome)
