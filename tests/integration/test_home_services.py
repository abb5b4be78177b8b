"""App Home's buttons as services: each takes the caller's Slack id and returns the new Home or a plain value."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.db.models import Artifact, Person
from bot.domain.periods import IsoWeek
from bot.services.artifacts import artifact_to_edit, delete_own_artifact
from bot.services.home import delete_artifact_from_home, home_of, set_nudges_for
from tests.conftest import NOW
from tests.support.artifacts import add_artifact
from tests.support.organisation import load_org

W47 = IsoWeek(2026, 47)


def slack_users(**emails: str):
    """users.info as Slack answers it, for the given Slack id → email pairs (and a missing user otherwise)."""

    def lookup(slack_user_id: str) -> dict:
        email = emails.get(slack_user_id)
        return {"ok": True, "user": {"id": slack_user_id, "tz": "Europe/Paris", "profile": {"email": email}}}

    return lookup


def unlink(sessions, email: str) -> None:
    """The person is in the people file but their Slack id is not known yet."""
    with sessions.begin() as session:
        session.execute(update(Person).where(Person.email == email).values(slack_user_id=None))


def test_home_of_finds_an_unlinked_caller_by_email_and_remembers_the_id(rt, settings):
    load_org(rt.sessions)
    unlink(rt.sessions, "carol@example.com")
    with rt.sessions.begin() as session:
        assert home_of(session, "U0NEW", NOW, settings) is None  # without a lookup, nobody to find
    with rt.sessions.begin() as session:
        home = home_of(session, "U0NEW", NOW, settings, slack_users(U0NEW="carol@example.com"))
        assert home is not None and home.name == "Carol Chen"
        assert [str(w.week) for w in home.weeks] == ["2026-W48", "2026-W47", "2026-W46", "2026-W45", "2026-W44"]
    with rt.sessions() as session:
        carol = session.scalars(select(Person).where(Person.email == "carol@example.com")).one()
        assert (carol.slack_user_id, carol.slack_timezone) == ("U0NEW", "Europe/Paris")  # Slack's time zone wins


def test_set_nudges_for_switches_and_returns_the_new_home(rt, settings):
    load_org(rt.sessions)
    with rt.sessions.begin() as session:
        home = set_nudges_for(session, "U0CAROL", False, NOW, settings)
        assert home is not None and home.nudges_enabled is False
    with rt.sessions() as session:
        carol = session.scalars(select(Person).where(Person.slack_user_id == "U0CAROL")).one()
        assert carol.nudges_enabled is False and carol.updated_at == NOW
    with rt.sessions.begin() as session:
        assert set_nudges_for(session, "U0CAROL", True, NOW, settings).nudges_enabled is True


def test_set_nudges_for_an_unknown_caller_changes_nothing(rt, settings):
    load_org(rt.sessions)
    unlink(rt.sessions, "dan@example.com")
    with rt.sessions.begin() as session:
        assert set_nudges_for(session, "U0STRANGER", False, NOW, settings, slack_users()) is None
        assert set_nudges_for(session, "U0DAN", False, NOW, settings) is None  # no lookup: no email fallback
    with rt.sessions() as session:
        assert session.scalars(select(Person.nudges_enabled)).all() and all(
            session.scalars(select(Person.nudges_enabled))
        )
    with rt.sessions.begin() as session:  # with the lookup, Dan is found by his email
        home = set_nudges_for(session, "U0DAN", False, NOW, settings, slack_users(U0DAN="dan@example.com"))
        assert home is not None and home.name == "Dan Diaz" and home.nudges_enabled is False


def test_artifact_to_edit_is_the_owners_only(rt):
    load_org(rt.sessions)
    artifact_id = add_artifact(rt.sessions, "carol@example.com", W47, "Release notes bot", hours="2")
    with rt.sessions.begin() as session:
        view = artifact_to_edit(session, "U0CAROL", artifact_id)
        assert view is not None and (view.id, view.title, view.week_start) == (
            artifact_id,
            "Release notes bot",
            W47.start,
        )
        assert artifact_to_edit(session, "U0DAN", artifact_id) is None
        assert artifact_to_edit(session, "U0CAROL", artifact_id + 1000) is None
        assert artifact_to_edit(session, "U0STRANGER", artifact_id, slack_users()) is None


def test_delete_own_artifact_refuses_anyone_else(rt):
    load_org(rt.sessions)
    artifact_id = add_artifact(rt.sessions, "carol@example.com", W47, "Release notes bot")
    with rt.sessions.begin() as session:
        assert delete_own_artifact(session, "U0DAN", artifact_id) is False
        assert delete_own_artifact(session, "U0STRANGER", artifact_id, slack_users()) is False
    with rt.sessions.begin() as session:
        assert delete_own_artifact(session, "U0CAROL", artifact_id) is True
    with rt.sessions() as session:
        assert session.scalars(select(Artifact)).all() == []


def test_delete_artifact_from_home_returns_the_home_without_it(rt, settings):
    load_org(rt.sessions)
    unlink(rt.sessions, "carol@example.com")
    kept = add_artifact(rt.sessions, "carol@example.com", W47, "Kept")
    gone = add_artifact(rt.sessions, "carol@example.com", W47, "Gone", minute=1)
    lookup = slack_users(U0CAROL="carol@example.com")
    with rt.sessions.begin() as session:
        assert delete_artifact_from_home(session, "U0DAN", gone, NOW, settings) is None
    with rt.sessions.begin() as session:
        home = delete_artifact_from_home(session, "U0CAROL", gone, NOW, settings, lookup)
        assert home is not None and [a.id for a in home.artifacts] == [kept] and home.total_artifacts == 1
    with rt.sessions() as session:
        assert session.scalars(select(Artifact.id)).all() == [kept]
