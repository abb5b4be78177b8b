"""The share modal submitted: store the artifact, answer the nudge, post the showcase, refresh App Home."""

from __future__ import annotations

import logging

from slack_bolt import Ack

from bot.domain.artifacts import ShareTargetRefused, share_fields, share_target, validate_share
from bot.domain.claims import duplicate_link_message
from bot.domain.periods import IsoWeek
from bot.runtime import Runtime
from bot.services.artifacts import LinkAlreadyShared, share_refusal
from bot.services.sharing import share
from bot.slack.blocks.share import form_values
from bot.slack.listeners.share_ui import private_metadata, publish_home_view, tell

log = logging.getLogger(__name__)
NOT_KNOWN = "I can't find you in Buildboard's people list yet: ask your Buildboard admin to add your email."
NOT_THEIRS = "That artifact is not one of yours any more."
FAILED = "Sorry, I could not save that just now. It has been logged; please try again in a minute."


def share_submitted(ack: Ack, body: dict, view: dict, runtime: Runtime) -> None:
    form = form_values(view.get("state") or {})
    user_id = body["user"]["id"]
    try:
        target = share_target(private_metadata(view), runtime.clock(), runtime.settings.zone)
    except ShareTargetRefused as exc:
        ack(response_action="errors", errors={"title": str(exc)})
        return
    rules = runtime.settings.claim_rules
    errors = validate_share(form, rules)
    if not errors:
        # One quick read before the ack: only the ack can show the person an error inside the modal.
        fields = share_fields(form, rules)
        refusal = share_refusal(runtime.sessions, user_id, target.artifact_id, fields.url)
        if isinstance(refusal, IsoWeek):  # the link was shared before: say when, never by whom
            errors = {"url": duplicate_link_message(refusal)}
        elif refusal is not None:
            errors = {"title": NOT_KNOWN if refusal == "unknown_person" else NOT_THEIRS}
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    try:
        outcome = share(
            runtime.sessions,
            runtime.nudge_dms,
            runtime.sender,
            runtime.settings,
            slack_user_id=user_id,
            week=target.week,
            fields=share_fields(form, rules),
            now=runtime.clock(),
            artifact_id=target.artifact_id,
            hooks=[runtime.artifact_saved],
            lookup_user=runtime.lookup_user,
            with_home=True,
        )
    except LinkAlreadyShared as exc:  # shared by someone else between the check above and the save (or racing it)
        tell(runtime, user_id, f"Not saved: {exc}")
        return
    except Exception:
        log.exception("sharing failed for %s", user_id)
        tell(runtime, user_id, FAILED)
        return
    if outcome.home is not None:
        publish_home_view(runtime, user_id, outcome.home)
