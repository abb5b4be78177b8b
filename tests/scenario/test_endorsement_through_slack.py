"""Peer endorsement through signed HTTP: "I use this" on a showcase post counts once, never for oneself."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from bot.db.models import Endorsement, Person
from bot.domain.periods import IsoWeek
from bot.services.stats import person_weeks
from bot.slack.blocks.endorse import ENDORSE_ARTIFACT
from tests.conftest import DIGEST_CHANNEL, NOW
from tests.scenario.interactive import (
    button,
    click,
    home_opened,
    shortcut,
    state_for_share,
    submit,
    views_opened,
    wait_until,
)
from tests.support.organisation import load_org

THIS_WEEK = IsoWeek.containing(NOW.date())


def share_with_link(slack_http, slack, user_id: str) -> dict:
    shortcut(slack_http, user_id)
    state = state_for_share(
        title="Flaky test finder",
        url="https://git.example/tools/flaky",
        description="Finds flaky tests in CI runs and files an issue for each, with the failing seed.",
        kind="tool",
        share_in_channel=True,
    )
    assert submit(slack_http, user_id, views_opened(slack)[0], state) == (200, "")
    return wait_until(lambda: slack.messages_in(DIGEST_CHANNEL), what="the showcase post")[0]


def answer(slack_http, payload: dict, count: int = 1) -> dict:
    found = slack_http.responses(payload["response_url"], count)[count - 1]
    assert found["response_type"] == "ephemeral" and found.get("replace_original") is False
    return found


def work_units(rt, email: str):
    with rt.sessions() as session:
        pid = session.scalar(select(Person.id).where(Person.email == email))
        return person_weeks(session, THIS_WEEK)[pid].work_units


def test_an_endorsement_counts_once_and_self_endorsement_is_refused(slack_http, slack, rt):
    load_org(rt.sessions)
    post = share_with_link(slack_http, slack, "U0CAROL")
    assert button(post, ENDORSE_ARTIFACT)["text"]["text"] == "I use this"
    shared_units = work_units(rt, "carol@example.com")

    # Carol cannot endorse her own artifact.
    (status, _), own = click(
        slack_http, "U0CAROL", ENDORSE_ARTIFACT, button(post, ENDORSE_ARTIFACT)["value"], message=post
    )
    assert status == 200
    assert "can't endorse your own artifact" in answer(slack_http, own)["text"]

    # Dan uses it: counted, the public post shows one user, Carol's week gains half a unit.
    (status, _), dans = click(
        slack_http, "U0DAN", ENDORSE_ARTIFACT, button(post, ENDORSE_ARTIFACT)["value"], message=post
    )
    assert status == 200 and "counts for its author" in answer(slack_http, dans)["text"]
    updated = wait_until(
        lambda: next((m for m in slack.messages_in(DIGEST_CHANNEL) if m.get("edited")), None), what="chat.update"
    )
    assert button(updated, ENDORSE_ARTIFACT)["text"]["text"] == "I use this · 1"
    assert work_units(rt, "carol@example.com") == shared_units + Decimal("0.5")

    # A second click by Dan changes nothing.
    (_, _), again = click(
        slack_http, "U0DAN", ENDORSE_ARTIFACT, button(post, ENDORSE_ARTIFACT)["value"], message=updated
    )
    assert "counts once" in answer(slack_http, again)["text"]
    # Someone who is not in the people file cannot endorse.
    (_, _), stranger = click(
        slack_http, "U0STRANGER", ENDORSE_ARTIFACT, button(post, ENDORSE_ARTIFACT)["value"], message=updated
    )
    assert "people file" in answer(slack_http, stranger)["text"]
    with rt.sessions() as session:
        assert len(session.scalars(select(Endorsement)).all()) == 1
    assert work_units(rt, "carol@example.com") == shared_units + Decimal("0.5")

    # The author sees who uses it in App Home; the public post only the count.
    home_opened(slack_http, "U0CAROL")
    view = wait_until(
        lambda: next((v for v in slack.views_published if v.get("user_id") == "U0CAROL" and "used by" in str(v)), None),
        what="Carol's App Home with her endorsers",
    )
    assert "used by Dan Diaz" in str(view)
    assert "Dan" not in str(slack.messages_in(DIGEST_CHANNEL)[0]["blocks"])
