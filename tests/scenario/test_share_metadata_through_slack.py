"""The share modal's private_metadata through the real endpoint: a tampered one is refused inline, never stored."""

from __future__ import annotations

from json import dumps

import pytest
from sqlalchemy import func, select

from bot.db.models import Artifact
from tests.scenario.interactive import shortcut, state_for_share, submit, views_opened
from tests.support.organisation import load_org

STATE = state_for_share(title="Report bot", description="Writes the weekly report for the sales team", kind="tool")


def artifacts(rt) -> int:
    with rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(Artifact))


@pytest.mark.parametrize(
    "metadata, message",
    [
        (dumps({"week": "2026-W48", "artifact_id": "abc"}), "could not be read"),
        (dumps({"week": "2026-W48", "artifact_id": "99999999999999999999"}), "could not be read"),
        (dumps(["not", "an", "object"]), "could not be read"),
        ("{not json", "could not be read"),
        (dumps({"week": "2026-W40"}), "only this week or last week"),
        (dumps({"week": "2027-W01"}), "only this week or last week"),
    ],
)
def test_a_tampered_share_modal_is_refused_inline_and_nothing_is_stored(slack_http, slack, rt, metadata, message):
    load_org(rt.sessions)
    shortcut(slack_http, "U0CAROL")
    opened = {**views_opened(slack)[0], "private_metadata": metadata}
    status, body = submit(slack_http, "U0CAROL", opened, STATE)
    assert status == 200
    assert body["response_action"] == "errors" and list(body["errors"]) == ["title"]
    assert message in body["errors"]["title"]
    assert artifacts(rt) == 0
    assert slack.calls_to("views.publish") == [] and slack.internal_errors == []


def test_the_modals_own_metadata_for_this_week_and_last_is_stored(slack_http, slack, rt):
    load_org(rt.sessions)
    shortcut(slack_http, "U0CAROL")
    for week in ("2026-W48", "2026-W47"):
        opened = {**views_opened(slack)[0], "private_metadata": dumps({"week": week})}
        status, body = submit(slack_http, "U0CAROL", opened, STATE)
        assert status == 200 and not body
    slack.wait_for("views.publish", count=2)
    assert artifacts(rt) == 2
