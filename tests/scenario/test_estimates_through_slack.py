"""An artifact shared through the modal is estimated after Slack got its answer (the real app over HTTP)."""

from __future__ import annotations

import json
import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.db.models import Artifact
from tests.scenario.interactive import shortcut, state_for_share, submit, views_opened, wait_until
from tests.support.llm import GOOD_ESTIMATE as GOOD
from tests.support.llm import (
    llm_for,
)
from tests.support.organisation import load_org


@pytest.fixture
def org(rt):
    load_org(rt.sessions)
    return rt


@pytest.fixture
def app_with_llm(rt, slack, fake, database_url):
    """The real app over HTTP, with the LLM client in the Runtime as `buildboard serve` has it."""
    from tests.conftest import serving

    rt.llm = llm_for(database_url, slack, fake)
    with serving(rt, slack) as http:
        yield http


def test_a_shared_artifact_is_estimated_after_slack_got_its_answer(app_with_llm, org, slack, fake):
    answered = threading.Event()
    fake.answer(GOOD, hold=answered)  # the model "thinks" until the test lets it answer
    shortcut(app_with_llm, "U0CAROL")
    state = state_for_share(title="Ticket triage bot", description="Routes tickets.", kind="tool", hours="6")
    status, _ = submit(app_with_llm, "U0CAROL", views_opened(slack)[0], state)
    # Slack got its answer while the model was still busy: the call is not on the 3-second path.
    assert status == 200
    wait_until(lambda: len(fake.requests) == 1, what="the estimate request")
    with org.sessions() as session:
        artifact = session.scalars(select(Artifact)).one()
        assert (artifact.work_units, artifact.work_units_source) == (Decimal("2.00"), "default")  # 6 h: the default
    answered.set()

    def estimated():
        with org.sessions() as session:
            return session.scalars(select(Artifact)).one().work_units_source == "estimate"

    wait_until(estimated, what="the estimate stored")
    with org.sessions() as session:
        artifact = session.scalars(select(Artifact)).one()
        assert (artifact.work_units, artifact.estimate_category) == (Decimal("3.00"), "automation")
    data = json.loads(fake.requests[0].user.removeprefix("<artifact>\n").removesuffix("\n</artifact>"))
    assert data["title"] == "Ticket triage bot" and data["hours_saved_per_week_self_reported"] == 6.0
