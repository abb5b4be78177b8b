"""`/buildboard me` and `me data` as services: the caller's Slack id in, one plain value out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.db.models import Award, Person
from bot.domain.periods import IsoWeek
from bot.domain.reports import ViewedGroup
from bot.services.audit import record_view
from bot.services.personal import my_numbers, my_stored_data, my_weeks
from tests.conftest import NOW
from tests.support.artifacts import add_artifact
from tests.support.organisation import load_org

W47, W48 = IsoWeek(2026, 47), IsoWeek(2026, 48)


def lookup_for(emails: dict[str, str]):
    def lookup(slack_user_id: str) -> dict:
        return {"ok": True, "user": {"id": slack_user_id, "profile": {"email": emails.get(slack_user_id)}}}

    return lookup


def ids_by_email(sessions) -> dict[str, int]:
    with sessions() as session:
        return {email: pid for pid, email in session.execute(select(Person.id, Person.email))}


def test_my_numbers_holds_both_weeks_who_looked_and_titles(rt, settings):
    load_org(rt.sessions)
    ids = ids_by_email(rt.sessions)
    carol = ids["carol@example.com"]
    shared = add_artifact(rt.sessions, "carol@example.com", W47, "Release notes bot", hours="2")
    with rt.sessions.begin() as session:
        session.add(Award(week_start=W47.start, title_key="builder_of_the_week", person_id=carol, created_at=NOW))
        record_view(
            session,
            viewer_id=ids["bob@example.com"],
            group=ViewedGroup("person", carol),
            action="team",
            detail="Platform",
            now=NOW - timedelta(days=1),
        )
    with rt.sessions.begin() as session:
        mine = my_numbers(session, "U0CAROL", NOW, settings)
        assert mine is not None
        person = session.get(Person, carol)
        # Both weeks read at once: each as read alone.
        assert [mine.current] == my_weeks(session, person, [W48], settings)
        assert [mine.last] == my_weeks(session, person, [W47], settings)
    assert (mine.current.week, mine.last.week) == (W48, W47)
    assert [a.id for a in mine.last.artifacts] == [shared] and mine.current.artifacts == []
    assert [(v.viewer_name, v.action, v.times) for v in mine.viewed_by] == [("Bob Baker", "team", 1)]
    assert mine.titles == [(W47, "Builder of the Week")]
    assert mine.flags == []


def test_my_numbers_for_a_caller_not_in_the_people_file_is_none(rt, settings):
    load_org(rt.sessions)
    with rt.sessions.begin() as session:
        assert my_numbers(session, "U0STRANGER", NOW, settings, lookup_for({})) is None
        assert my_stored_data(session, "U0STRANGER", NOW, settings, lookup_for({})) is None


def test_an_unlinked_caller_is_found_by_email(rt, settings):
    load_org(rt.sessions)
    with rt.sessions.begin() as session:
        session.execute(update(Person).where(Person.email == "dan@example.com").values(slack_user_id=None))
    lookup = lookup_for({"U0DAN2": "dan@example.com"})
    with rt.sessions.begin() as session:
        assert my_numbers(session, "U0DAN2", NOW, settings) is None  # without the lookup, no email fallback
        mine = my_numbers(session, "U0DAN2", NOW, settings, lookup)
        assert mine is not None and mine.last.week == W47
    with rt.sessions.begin() as session:
        data = my_stored_data(session, "U0DAN2", NOW, settings)  # the id was remembered
        assert data is not None and data.profile["email"] == "dan@example.com"
        assert data.profile["slack_user_id"] == "U0DAN2"
