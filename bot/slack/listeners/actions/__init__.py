"""Button clicks: the share modal, nudge answers, App Home's switch, artifact edit/delete, "I use this", team charts."""

from __future__ import annotations

from slack_bolt import App

from bot.runtime import Runtime
from bot.slack.blocks.endorse import ENDORSE_ARTIFACT
from bot.slack.blocks.home import DELETE_ARTIFACT, EDIT_ARTIFACT, TOGGLE_NUDGES
from bot.slack.blocks.nudge import NOTHING_TO_SHOW, OPEN_SHARE_MODAL, REMIND_LATER
from bot.slack.blocks.team import TEAM_CHART
from bot.slack.listeners.actions.delete_artifact_clicked import delete_artifact_clicked
from bot.slack.listeners.actions.edit_artifact_clicked import edit_artifact_clicked
from bot.slack.listeners.actions.endorse_clicked import endorse_clicked
from bot.slack.listeners.actions.nothing_to_show_clicked import nothing_to_show_clicked
from bot.slack.listeners.actions.nudges_toggled import nudges_toggled
from bot.slack.listeners.actions.remind_later_clicked import remind_later_clicked
from bot.slack.listeners.actions.share_button_clicked import share_button_clicked
from bot.slack.listeners.actions.team_chart_clicked import team_chart_clicked
from bot.slack.listeners.binding import with_runtime


def register(app: App, runtime: Runtime) -> None:
    app.action(OPEN_SHARE_MODAL)(with_runtime(share_button_clicked, runtime))
    app.action(NOTHING_TO_SHOW)(with_runtime(nothing_to_show_clicked, runtime))
    app.action(REMIND_LATER)(with_runtime(remind_later_clicked, runtime))
    app.action(TOGGLE_NUDGES)(with_runtime(nudges_toggled, runtime))
    app.action(EDIT_ARTIFACT)(with_runtime(edit_artifact_clicked, runtime))
    app.action(DELETE_ARTIFACT)(with_runtime(delete_artifact_clicked, runtime))
    app.action(ENDORSE_ARTIFACT)(with_runtime(endorse_clicked, runtime))
    app.action(TEAM_CHART)(with_runtime(team_chart_clicked, runtime))
