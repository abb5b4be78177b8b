"""The "nothing to show yet" modal submitted: record the reason as the nudge's answer."""

from __future__ import annotations

import logging

from slack_bolt import Ack

from bot.domain.artifacts import validate_nothing_to_show
from bot.runtime import Runtime
from bot.services.identity import PersonUnknown
from bot.services.nudges import nothing_to_show
from bot.slack.blocks.share import form_values
from bot.slack.listeners.share_ui import private_metadata, tell, week_from

log = logging.getLogger(__name__)
NOT_KNOWN = "I can't find you in Buildboard's people list yet: ask your Buildboard admin to add your email."
FAILED = "Sorry, I could not save that just now. It has been logged; please try again in a minute."


def nothing_to_show_submitted(ack: Ack, body: dict, view: dict, runtime: Runtime) -> None:
    form = form_values(view.get("state") or {})
    errors = validate_nothing_to_show(form)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    user_id = body["user"]["id"]
    try:
        nothing_to_show(
            runtime.sessions,
            runtime.nudge_dms,
            user_id,
            week_from(private_metadata(view).get("week"), runtime),
            form["reason"],
            (form.get("reason_text") or "").strip() or None,
            runtime.clock(),
            runtime.lookup_user,
        )
    except PersonUnknown:
        tell(runtime, user_id, NOT_KNOWN)
    except Exception:
        log.exception("recording 'nothing to show' failed for %s", user_id)
        tell(runtime, user_id, FAILED)
