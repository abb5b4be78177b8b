"""Modal submissions: share what you built, and "nothing to show yet"."""

from __future__ import annotations

import json
import logging

from slack_bolt import App

from bot.domain.artifacts import share_fields, validate_nothing_to_show, validate_share
from bot.services.artifacts import ArtifactNotFound, owned_artifact
from bot.services.identity import PersonUnknown, person_by_slack_id
from bot.services.nudges import nothing_to_show
from bot.services.sharing import share
from bot.slack.blocks.share import NOTHING_MODAL, SHARE_MODAL, form_values
from bot.slack.deps import Deps
from bot.slack.listeners.share_ui import artifact_hooks, publish_home, sender_for, tell, week_from

log = logging.getLogger(__name__)
NOT_KNOWN = "I can't find you in Buildboard's people list yet: ask your Buildboard admin to add your email."
FAILED = "Sorry, I could not save that just now. It has been logged; please try again in a minute."


def _metadata(view: dict) -> dict:
    try:
        return json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        return {}


def register(app: App, deps: Deps) -> None:
    @app.view(SHARE_MODAL)
    def share_submitted(ack, body, view):
        form = form_values(view.get("state") or {})
        errors = validate_share(form)
        user_id = body["user"]["id"]
        metadata = _metadata(view)
        artifact_id = metadata.get("artifact_id")
        if not errors:
            # Cheap database checks before the ack, so the person sees them in the modal.
            with deps.sessions() as session:
                try:
                    person = person_by_slack_id(session, user_id)
                    if artifact_id is not None:
                        owned_artifact(session, person, int(artifact_id))
                except PersonUnknown:
                    errors = {"title": NOT_KNOWN}
                except ArtifactNotFound:
                    errors = {"title": "That artifact is not one of yours any more."}
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        try:
            share(
                deps.sessions,
                deps.client,
                sender_for(deps),
                deps.settings,
                slack_user_id=user_id,
                week=week_from(metadata.get("week"), deps),
                fields=share_fields(form),
                now=deps.clock(),
                artifact_id=int(artifact_id) if artifact_id is not None else None,
                hooks=artifact_hooks(deps),
            )
        except Exception:
            log.exception("sharing failed for %s", user_id)
            tell(deps, user_id, FAILED)
            return
        publish_home(deps, user_id)

    @app.view(NOTHING_MODAL)
    def nothing_submitted(ack, body, view):
        form = form_values(view.get("state") or {})
        errors = validate_nothing_to_show(form)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        user_id = body["user"]["id"]
        try:
            nothing_to_show(
                deps.sessions,
                deps.client,
                user_id,
                week_from(_metadata(view).get("week"), deps),
                form["reason"],
                (form.get("reason_text") or "").strip() or None,
                deps.clock(),
            )
        except PersonUnknown:
            tell(deps, user_id, NOT_KNOWN)
        except Exception:
            log.exception("recording 'nothing to show' failed for %s", user_id)
            tell(deps, user_id, FAILED)
