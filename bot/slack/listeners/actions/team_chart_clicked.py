"""The team answer's Chart button: DM the caller the group's 12-week chart, its numbers as alt text."""

from __future__ import annotations

import logging

from slack_bolt import Ack, Respond
from slack_sdk.errors import SlackApiError

from bot.domain.chart import Chart
from bot.runtime import Runtime
from bot.services.team_chart import team_chart_for
from bot.slack.blocks.personal import not_known_blocks
from bot.slack.blocks.team import target_from_chart_button, team_chart_comment
from bot.slack.files import send_file_to_user

log = logging.getLogger(__name__)
SENT = "Sent you the chart in a DM."
NOT_SENT = "I couldn't send the chart just now (Slack refused the upload). Please try again."


def _send_chart(runtime: Runtime, user_id: str, chart: Chart) -> None:
    comment = team_chart_comment(chart)
    send_file_to_user(
        runtime.slack,
        user_id,
        filename="buildboard-team-chart.png",
        content=runtime.chart_renderer.render(chart),
        title=chart.title,
        comment=comment,
        alt_text=comment,
    )


def team_chart_clicked(ack: Ack, body: dict, action: dict, respond: Respond, runtime: Runtime) -> None:
    ack()
    user_id = body["user"]["id"]
    target = target_from_chart_button(action.get("value"))
    try:
        # As for the export: a refused upload leaves this block with the exception, and the audit rows roll back.
        with runtime.sessions.begin() as session:
            answer = team_chart_for(
                session, user_id, target, runtime.settings, now=runtime.clock(), lookup_user=runtime.lookup_user
            )
            chart, refusal = answer if answer is not None else (None, None)
            if chart is not None:
                _send_chart(runtime, user_id, chart)
    except SlackApiError as exc:
        log.warning("team chart upload failed for %s: %s", user_id, exc.response.get("error"))
        respond(text=NOT_SENT, response_type="ephemeral", replace_original=False)
        return
    if answer is None:
        respond(**not_known_blocks(), response_type="ephemeral", replace_original=False)
    elif refusal is not None:
        respond(text=refusal.text, response_type="ephemeral", replace_original=False)
    else:
        respond(text=SENT, response_type="ephemeral", replace_original=False)
