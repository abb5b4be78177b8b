"""`/buildboard team`, `user` and `export` as services that resolve the caller themselves (one call per answer)."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from bot.db.models import Person
from bot.domain.command_args import Target
from bot.domain.reports import TeamExport
from bot.services.authority import Viewer
from bot.services.team import person_answer, person_answer_for, team_answer, team_answer_for
from bot.services.team_export import build_export, export_for_caller
from tests.conftest import NOW, make_settings
from tests.support.audit_trail import seen_per_person, views_recorded
from tests.support.organisation import load_branches


class UploadRefused(Exception):
    """What a delivery port raises when Slack refuses the file."""


@pytest.fixture
def settings(database_url, slack):
    return make_settings(database_url, slack, admins=("U0ADMIN",))


def lookup_for(emails: dict[str, str]):
    def lookup(slack_user_id: str) -> dict:
        return {"ok": True, "user": {"id": slack_user_id, "profile": {"email": emails.get(slack_user_id)}}}

    return lookup


def audit_rows(sessions, action: str) -> int:
    """Views of `action` times the people each showed (what the people seen are told)."""
    with sessions() as session:
        return len(seen_per_person(session, action))


def audit_views(sessions, action: str) -> int:
    with sessions() as session:
        return views_recorded(session, action)


def test_team_answer_for_is_team_answer_for_the_callers_viewer(rt, settings):
    ids = load_branches(rt.sessions)
    with rt.sessions.begin() as session:
        mine = team_answer_for(session, "U0BOB", Target(), 2, settings, now=NOW)
        theirs = team_answer(session, Viewer(ids["bob"], False, "U0BOB"), Target(), 2, settings, now=NOW)
    assert mine is not None and mine.report is not None and mine.report == theirs.report
    with rt.sessions.begin() as session:
        refused = team_answer_for(session, "U0CAROL", Target(team_name="Research"), 1, settings, now=NOW)
    assert refused is not None and refused.report is None and "people who don't report to you" in refused.refusal.text


def test_team_answer_for_an_unknown_caller_is_none_and_an_admin_by_slack_id_sees_everyone(rt, settings):
    load_branches(rt.sessions)
    with rt.sessions.begin() as session:
        assert (
            team_answer_for(session, "U0STRANGER", Target(), 1, settings, now=NOW, lookup_user=lookup_for({})) is None
        )
        admin = team_answer_for(session, "U0ADMIN", Target(), 1, settings, now=NOW, lookup_user=lookup_for({}))
    assert admin is not None and admin.report is not None and admin.report.group_label == "The whole organisation"


def test_an_unlinked_manager_is_found_by_email(rt, settings):
    load_branches(rt.sessions)
    with rt.sessions.begin() as session:
        session.execute(update(Person).where(Person.email == "erin@example.com").values(slack_user_id=None))
    lookup = lookup_for({"U0ERIN2": "erin@example.com"})
    with rt.sessions.begin() as session:
        assert team_answer_for(session, "U0ERIN2", Target(), 1, settings, now=NOW) is None  # no lookup, no fallback
        answer = team_answer_for(session, "U0ERIN2", Target(), 1, settings, now=NOW, lookup_user=lookup)
    assert answer is not None and answer.report is not None and answer.report.group_label.startswith("Erin Evans")


def test_person_answer_for_resolves_the_caller_then_checks_authority(rt, settings):
    ids = load_branches(rt.sessions)
    with rt.sessions.begin() as session:
        answer = person_answer_for(session, "U0BOB", "U0CAROL", 4, settings, now=NOW)
        expected, _ = person_answer(session, Viewer(ids["bob"], False, "U0BOB"), "U0CAROL", 4, settings, now=NOW)
    assert answer is not None
    report, refusal = answer
    assert refusal is None and report == expected and report.person.name == "Carol Chen"
    with rt.sessions.begin() as session:
        report, refusal = person_answer_for(session, "U0DAN", "U0CAROL", 4, settings, now=NOW)
        assert report is None and "they don't report to you" in refusal.text
        assert person_answer_for(session, "U0STRANGER", "U0CAROL", 4, settings, now=NOW) is None
    assert audit_rows(rt.sessions, "user") == 2  # bob saw carol twice (two calls above); dan saw nothing
    with rt.sessions() as session:
        assert seen_per_person(session, "user") == [(ids["bob"], ids["carol"], "user")] * 2


def test_export_for_caller_delivers_then_keeps_the_audit(rt, settings):
    ids = load_branches(rt.sessions)
    delivered: list[TeamExport] = []
    with rt.sessions.begin() as session:
        answer = export_for_caller(session, "U0BOB", Target(), 2, settings, now=NOW, deliver=delivered.append)
        expected, _ = build_export(
            session, Viewer(ids["bob"], False, "U0BOB"), Target(), 2, now=NOW, zone=settings.zone
        )
    assert answer is not None
    export, refusal = answer
    assert refusal is None and delivered == [export] and export.content == expected.content
    # This export and the comparison, each auditing everyone in it: the people below Bob, not Bob himself.
    assert export.people == 2 and ",bob@example.com,Bob Baker," not in export.content
    assert audit_rows(rt.sessions, "export") == 2 * export.people
    assert audit_views(rt.sessions, "export") == 2  # one row per export, not per person in it
    with rt.sessions() as session:
        assert {viewer for viewer, _, _ in seen_per_person(session, "export")} == {ids["bob"]}
        assert ids["bob"] not in {seen for _, seen, _ in seen_per_person(session, "export")}


def test_export_for_caller_refused_or_unknown_delivers_nothing(rt, settings):
    load_branches(rt.sessions)
    delivered: list[TeamExport] = []
    with rt.sessions.begin() as session:
        export, refusal = export_for_caller(
            session, "U0DAN", Target(team_name="Research"), 2, settings, now=NOW, deliver=delivered.append
        )
        assert export is None and refusal is not None
        unknown = export_for_caller(
            session, "U0STRANGER", Target(), 2, settings, now=NOW, deliver=delivered.append, lookup_user=lookup_for({})
        )
        assert unknown is None
    assert delivered == [] and audit_rows(rt.sessions, "export") == 0 and audit_views(rt.sessions, "export") == 0


def test_an_export_that_could_not_be_delivered_leaves_no_audit(rt, settings):
    load_branches(rt.sessions)

    def refuse(export: TeamExport) -> None:
        raise UploadRefused(export.filename)

    with pytest.raises(UploadRefused):
        with rt.sessions.begin() as session:
            export_for_caller(session, "U0BOB", Target(), 2, settings, now=NOW, deliver=refuse)
    assert audit_rows(rt.sessions, "export") == 0 and audit_views(rt.sessions, "export") == 0
