"""Model calls are budgeted: a share through the modal asks no model; the daily batch estimates counted artifacts."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.db.models import Artifact
from bot.jobs.tasks import work_unit_estimates
from tests.scenario.interactive import shortcut, state_for_share, submit, views_opened
from tests.support.llm import GOOD_ESTIMATE as GOOD
from tests.support.llm import llm_for
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


def test_a_share_asks_no_model_and_the_daily_batch_estimates_it(app_with_llm, org, slack, fake, rt):
    fake.answer(GOOD)
    shortcut(app_with_llm, "U0CAROL")
    state = state_for_share(
        title="Ticket triage bot",
        url="https://git.example.com/support/triage",
        description="Routes incoming support tickets to the right queue.",
        kind="tool",
        hours="6",
    )
    status, body = submit(app_with_llm, "U0CAROL", views_opened(slack)[0], state)
    assert (status, body) == (200, "")
    slack.wait_for("views.publish")  # the share is stored and App Home refreshed: no model was asked
    assert fake.requests == []
    with org.sessions() as session:
        artifact = session.scalars(select(Artifact)).one()
        assert (artifact.work_units, artifact.work_units_source) == (Decimal("2.00"), "default")  # 6 h: the default

    assert work_unit_estimates(rt).startswith("1 estimated, 0 failed")  # the scheduler's daily job
    with org.sessions() as session:
        artifact = session.scalars(select(Artifact)).one()
        assert (artifact.work_units, artifact.estimate_category) == (Decimal("3.00"), "automation")
    [sent] = fake.requests
    data = json.loads(sent.user.removeprefix("<artifact>\n").removesuffix("\n</artifact>"))
    assert data["title"] == "Ticket triage bot" and data["hours_saved_per_week_self_reported"] == 6.0
