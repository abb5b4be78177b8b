"""`user_change`: a deactivated (deleted) Slack user is marked inactive, or forgotten when configured."""

from __future__ import annotations

import logging

from bot.runtime import Runtime
from bot.services.erasure import apply_slack_user_change

log = logging.getLogger(__name__)


def user_change(event: dict, runtime: Runtime) -> None:
    outcome = apply_slack_user_change(
        runtime.sessions,
        event.get("user") or {},
        forget_deactivated=runtime.settings.forget_deactivated,
        now=runtime.clock(),
        posts=runtime.post_remover,
    )
    if outcome not in ("unknown", "unchanged"):
        log.info("user_change for %s: %s", (event.get("user") or {}).get("id"), outcome)
