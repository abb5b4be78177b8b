"""A link counts once in the whole organisation (issue 17): the service refuses it, the database enforces it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db.models import Artifact
from bot.domain.artifacts import share_fields
from bot.domain.claims import link_key
from bot.services.artifacts import LinkAlreadyShared
from bot.services.erasure import forget
from bot.services.sharing import share
from tests.conftest import NOW
from tests.support.llm import W47
from tests.support.organisation import load_org

FORM = {
    "title": "Invoice matcher",
    "description": "Matches supplier invoices to purchase orders for finance.",
    "kind": "tool",
    "hours_saved": "",
}


def share_as(rt, user_id, url, artifact_id=None, title="Invoice matcher"):
    fields = share_fields(FORM | {"url": url, "title": title})
    return share(
        rt.sessions, rt.nudge_dms, None, rt.settings, slack_user_id=user_id, week=W47, fields=fields, now=NOW,
        artifact_id=artifact_id,
    )  # fmt: skip


def test_a_link_is_stored_once_editing_keeps_it_and_erasure_frees_it(rt, slack):
    load_org(rt.sessions)
    first = share_as(rt, "U0CAROL", "https://git.example.com/matcher/")
    with pytest.raises(LinkAlreadyShared, match="already shared in Week 47") as refused:
        share_as(rt, "U0ERIN", "https://GIT.example.com/matcher?utm_source=slack#top")
    assert "Carol" not in str(refused.value)
    # The author edits her artifact: the same link is still hers, no refusal.
    share_as(rt, "U0CAROL", "https://git.example.com/matcher", artifact_id=first.artifact_id, title="Matcher v2")
    with rt.sessions() as session:
        stored = session.scalars(select(Artifact.link_key)).all()
    assert stored == [link_key("https://git.example.com/matcher")]

    forget(rt.sessions, email="carol@example.com", now=NOW)
    with rt.sessions() as session:
        assert session.scalars(select(Artifact.link_key)).all() == [None]
    share_as(rt, "U0ERIN", "https://git.example.com/matcher")  # her data is gone, and its hash with it


def test_two_shares_racing_past_the_check_are_stopped_by_the_unique_index(rt, slack, monkeypatch):
    load_org(rt.sessions)
    share_as(rt, "U0CAROL", "https://git.example.com/matcher")
    # The check before the insert misses the first share (as a concurrent share would): the index still holds.
    monkeypatch.setattr("bot.services.artifacts.link_shared_in", lambda *args, **kwargs: None)
    with pytest.raises(LinkAlreadyShared, match="Week 47"):
        share_as(rt, "U0ERIN", "https://git.example.com/matcher")
    with rt.sessions() as session:
        assert len(session.scalars(select(Artifact)).all()) == 1
