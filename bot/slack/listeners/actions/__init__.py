"""Button clicks: open the share modal, answer a nudge, App Home's switch and artifact edit/delete."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.domain.periods import IsoWeek
from bot.services.artifacts import ArtifactNotFound, artifact_view, delete_artifact, owned_artifact
from bot.services.home import set_nudges
from bot.services.identity import PersonUnknown, person_by_slack_id
from bot.services.nudges import remind_later
from bot.slack.blocks.home import DELETE_ARTIFACT, EDIT_ARTIFACT, TOGGLE_NUDGES
from bot.slack.blocks.nudge import NOTHING_TO_SHOW, OPEN_SHARE_MODAL, REMIND_LATER
from bot.slack.blocks.share import nothing_modal, share_modal
from bot.slack.deps import Deps
from bot.slack.listeners.share_ui import open_share_modal, publish_home, week_from

log = logging.getLogger(__name__)
NOT_KNOWN = "I can't find you in Buildboard's people list yet. Ask your Buildboard admin to add your email."


def register(app: App, deps: Deps) -> None:
    @app.action(OPEN_SHARE_MODAL)
    def share_clicked(ack, body, action):
        ack()
        open_share_modal(deps, body["trigger_id"], week_from(action.get("value"), deps), body["user"]["id"])

    @app.action(NOTHING_TO_SHOW)
    def nothing_clicked(ack, body, action):
        ack()
        deps.client.views_open(trigger_id=body["trigger_id"], view=nothing_modal(week_from(action.get("value"), deps)))

    @app.action(REMIND_LATER)
    def remind_clicked(ack, body, action, respond):
        ack()
        try:
            outcome = remind_later(
                deps.sessions,
                deps.client,
                deps.settings,
                body["user"]["id"],
                week_from(action.get("value"), deps),
                deps.clock(),
            )
        except PersonUnknown:
            respond(text=NOT_KNOWN, response_type="ephemeral", replace_original=False)
            return
        if outcome.status != "snoozed":
            respond(text=outcome.message, response_type="ephemeral", replace_original=False)

    @app.action(TOGGLE_NUDGES)
    def toggle_nudges(ack, body, action):
        ack()
        user_id = body["user"]["id"]
        with deps.sessions.begin() as session:
            try:
                person = person_by_slack_id(session, user_id)
            except PersonUnknown:
                return
            set_nudges(session, person, action.get("value") == "on", deps.clock())
        publish_home(deps, user_id)

    @app.action(EDIT_ARTIFACT)
    def edit_clicked(ack, body, action):
        ack()
        with deps.sessions() as session:
            try:
                person = person_by_slack_id(session, body["user"]["id"])
                artifact = artifact_view(owned_artifact(session, person, int(action["value"])))
            except (PersonUnknown, ArtifactNotFound, ValueError):
                log.warning("edit refused for %s: not their artifact", body["user"]["id"])
                return
            view = share_modal(IsoWeek.containing(artifact.week_start), artifact)
        deps.client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(DELETE_ARTIFACT)
    def delete_clicked(ack, body, action):
        ack()
        user_id = body["user"]["id"]
        with deps.sessions.begin() as session:
            try:
                delete_artifact(session, person_by_slack_id(session, user_id), int(action["value"]))
            except (PersonUnknown, ArtifactNotFound, ValueError):
                log.warning("delete refused for %s: not their artifact", user_id)
                return
        publish_home(deps, user_id)
