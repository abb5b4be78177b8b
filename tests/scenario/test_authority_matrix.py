"""Who may see what, for every command and every kind of target, through the real signed HTTP endpoint.

The organisation (tests/data/people_branches.csv):
    alice (CEO) → victor (VP, skip-level) → bob (manager) → carol, dan (employees)
    alice → erin (manager of another branch) → frank
    alice → gina (admin through BUILDBOARD_ADMINS, manages nobody)
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.db.models import AuditView
from bot.demo.standin.block_kit_limits import MAX_BLOCK_TEXT_TOTAL, MAX_MESSAGE_BLOCKS, block_errors, block_text_total
from tests.conftest import make_settings
from tests.support.audit_trail import seen_per_person
from tests.support.organisation import load_branches

NAMES = {
    "alice": "Alice Archer",
    "victor": "Victor Vance",
    "bob": "Bob Baker",
    "carol": "Carol Chen",
    "dan": "Dan Diaz",
    "erin": "Erin Evans",
    "frank": "Frank Fox",
    "gina": "Gina Gold",
}
# Each person's own figures as the bot prints them (weeks 2026-W46 and W47); none coincides with a total.
FIGURES = {
    "alice": ["$2.19", "12.1K"],
    "victor": ["$6.54", "44K"],
    "bob": ["$3.21", "33K"],
    "carol": ["$53.51", "430K", "$20.00", "110K"],
    "dan": ["$77.77", "550K", "$10.00", "55K"],
    "erin": ["$58.91", "231K"],
    "frank": ["$93.48", "715K", "$66.66", "440K"],
    "gina": [],
}
EVERYONE = set(NAMES)
SCOPE = {
    "dan": {"dan"},
    "bob": {"bob", "carol", "dan"},
    "victor": {"victor", "bob", "carol", "dan"},
    "erin": {"erin", "frank"},
    "gina": EVERYONE,
}
# A manager's team is the people below them, not the manager (issue 15, item 15); a team name is its members.
BELOW = {"bob": {"carol", "dan"}, "victor": {"bob", "carol", "dan"}, "erin": {"frank"}}
TEAMS = {
    "bob": BELOW["bob"],
    "erin": BELOW["erin"],
    "Platform": {"bob", "carol", "dan"},
    "Research": {"erin", "frank"},
}


def uid(name: str) -> str:
    return f"U0{name.upper()}"


def at(name: str) -> str:
    return f"<@{uid(name)}|{name}>"


@pytest.fixture
def settings(database_url, slack):
    return make_settings(database_url, slack, admins=("gina@example.com", "U0ROOT"))


@pytest.fixture
def org(rt):
    return load_branches(rt.sessions)


def ask(slack_http, text: str, actor: str) -> str:
    """Everything Slack would show the caller: the ack body or the response_url answer."""
    status, body, url = slack_http.command(text, user_id=uid(actor) if actor != "root" else "U0ROOT")
    assert status == 200
    if body:
        return str(body)
    [answer] = slack_http.responses(url)
    assert answer["response_type"] == "ephemeral"
    # Slack's Block Kit limits (response_url answers are not checked by the stand-in on arrival).
    assert block_errors(answer.get("blocks", []), MAX_MESSAGE_BLOCKS, "/blocks") == [], answer
    assert block_text_total(answer.get("blocks", [])) < MAX_BLOCK_TEXT_TOTAL
    return str(answer)


def assert_nothing_outside(answer: str, actor: str) -> None:
    """No figure, name or mention of anyone the actor may not see."""
    for other in EVERYONE - SCOPE[actor]:
        for figure in FIGURES[other]:
            assert figure not in answer, f"{actor} saw {other}'s {figure}: {answer}"
        assert NAMES[other] not in answer and uid(other) not in answer, f"{actor} saw {other}: {answer}"


def assert_refusal(answer: str, actor: str) -> None:
    assert "/buildboard me" in answer, answer  # says what the caller may do instead
    for other in EVERYONE - {actor}:
        for figure in FIGURES[other]:
            assert figure not in answer, f"refusal for {actor} leaked {other}'s {figure}: {answer}"
    assert not re.search(r"\$\d", answer), answer
    assert_nothing_outside(answer, actor)


ACTORS = ["dan", "bob", "victor", "erin", "gina"]


def test_team_without_target_shows_the_callers_tree(slack_http, org):
    for actor in ACTORS:
        answer = ask(slack_http, "team", actor)
        assert_nothing_outside(answer, actor)
        if actor == "dan":
            assert_refusal(answer, actor)
            assert "Nobody reports to you" in answer
        elif actor == "gina":
            assert "The whole organisation" in answer and "$93.48" in answer
            assert "$295.61" in answer  # every W47 dollar of the organisation
        else:
            for person in SCOPE[actor] - {actor, "victor"}:
                assert FIGURES[person][0] in answer, (actor, person, answer)
            for figure in FIGURES[actor]:  # the manager's own numbers are not their team's
                assert figure not in answer, (actor, figure, answer)


@pytest.mark.parametrize("target", ["bob", "erin", "Platform", "Research"])
def test_team_of_a_manager_or_a_team_name(slack_http, org, target):
    text = f"team {at(target)}" if target.islower() else f"team {target}"
    for actor in ACTORS:
        answer = ask(slack_http, text, actor)
        assert_nothing_outside(answer, actor)
        if TEAMS[target] <= SCOPE[actor]:
            assert "Spend" in answer and "Work units" in answer
            for person in TEAMS[target]:
                if FIGURES[person]:
                    assert FIGURES[person][0] in answer, (actor, person, answer)
        else:
            assert_refusal(answer, actor)
            assert "don't report to you" in answer


@pytest.mark.parametrize("command", ["team", "export"])
def test_the_team_of_someone_nobody_reports_to_is_a_refusal_not_their_numbers(slack_http, slack, org, command):
    # A team is the people below its manager: carol has none, so there is nothing to show, even to an admin.
    for actor in ("bob", "gina"):
        answer = ask(slack_http, f"{command} {at('carol')}", actor)
        assert "Nobody reports to Carol Chen" in answer, answer
        assert_refusal(answer, actor)
    # Someone who may not see carol learns nothing about her place in the chart; nor carol about bob's team.
    for actor, manager in (("dan", "carol"), ("carol", "bob")):
        answer = ask(slack_http, f"{command} {at(manager)}", actor)
        assert "don't report to you" in answer and "Nobody reports" not in answer, answer
        assert not re.search(r"\$\d", answer) and "Dan Diaz" not in answer and NAMES[manager] not in answer
    assert slack.uploaded_files == []


@pytest.mark.parametrize("subject", ["carol", "frank", "victor", "self"])
def test_user_view(slack_http, org, subject):
    for actor in ACTORS:
        who = actor if subject == "self" else subject
        answer = ask(slack_http, f"user {at(who)}", actor)
        assert_nothing_outside(answer, actor)
        if who in SCOPE[actor]:
            assert NAMES[who] in answer
            for figure in FIGURES[who][:1]:
                assert figure in answer
        else:
            assert_refusal(answer, actor)


@pytest.mark.parametrize("target", [None, "Research", "bob"])
def test_export_sends_only_the_authorised_scope(slack_http, slack, org, target):
    text = "export" if target is None else (f"export {at(target)}" if target.islower() else f"export {target}")
    for actor in ACTORS:
        uploads_before = len(slack.uploaded_files)
        opens_before = len(slack.calls_to("conversations.open"))
        answer = ask(slack_http, text, actor)
        assert_nothing_outside(answer, actor)
        wanted = TEAMS.get(target or "", None)
        allowed = (wanted <= SCOPE[actor]) if wanted else actor != "dan"
        if not allowed:
            assert_refusal(answer, actor)
            assert len(slack.uploaded_files) == uploads_before
            continue
        assert "Sent you" in answer
        [upload] = slack.uploaded_files[uploads_before:]
        assert upload["channel_id"] == slack.dm_channel_for(uid(actor))
        assert [c.args["users"] for c in slack.calls_to("conversations.open")[opens_before:]] == [uid(actor)]
        csv = upload["bytes"].decode()
        emails = {line.split(",")[1].split("@")[0] for line in csv.splitlines()[1:]}
        expected = wanted if wanted else (BELOW[actor] if actor != "gina" else EVERYONE)
        assert emails == {p for p in expected if FIGURES[p]}, (actor, csv)


def test_me_shows_only_the_callers_numbers(slack_http, org):
    for actor in ACTORS:
        answer = ask(slack_http, "me", actor)
        for other in EVERYONE - {actor}:
            for figure in FIGURES[other]:
                assert figure not in answer, (actor, other, figure)
        if FIGURES[actor]:
            assert FIGURES[actor][0] in answer


MALFORMED = [
    "team 0",
    "team 13",
    "team Platform 99",
    "team -2",
    "team <@garbage",
    "team @bob",
    "team No Such Team",
    "user",
    "user carol",
    "user <@U0NOBODY|nobody>",
    "user <@U0CAROL|carol> 40",
    "export 13",
    "export Nowhere",
]


@pytest.mark.parametrize("actor", ["dan", "bob"])
def test_malformed_or_unknown_targets_are_refused_without_numbers(slack_http, org, actor):
    for text in MALFORMED:
        answer = ask(slack_http, text, actor)
        for other in EVERYONE - {actor}:
            for figure in FIGURES[other]:
                assert figure not in answer, (text, answer)
        assert_nothing_outside(answer, actor)
        assert "Spend" not in answer and not re.search(r"\$\d", answer), (text, answer)
        assert any(hint in answer for hint in ("Usage:", "/buildboard me")), (text, answer)


def test_admin_by_slack_id_outside_the_people_file_sees_everything(slack_http, org):
    answer = ask(slack_http, "team", "root")
    assert "The whole organisation" in answer and "$295.61" in answer
    answer = ask(slack_http, f"user {at('frank')}", "root")
    assert "$93.48" in answer


def test_someone_unknown_and_not_an_admin_gets_nothing(slack_http, slack, org):
    slack.add_user({"id": "U0STRANGER", "name": "stranger", "profile": {"email": "stranger@example.com"}})
    _, _, url = slack_http.command("team Platform", user_id="U0STRANGER")
    [answer] = slack_http.responses(url)
    assert "can't find you" in answer["text"]
    assert "$" not in str(answer)


def test_views_are_audited_once_and_seen_by_each_person_in_them(slack_http, rt, org):
    ask(slack_http, "team", "bob")
    ask(slack_http, f"user {at('carol')}", "victor")
    ask(slack_http, f"user {at('frank')}", "bob")  # refused: no audit row
    ask(slack_http, "export", "erin")  # frank's rows went into her CSV; her own are not audited
    with rt.sessions() as session:
        rows = seen_per_person(session)
        views = session.execute(select(AuditView.viewer_person_id, AuditView.action)).all()
    assert sorted(rows) == sorted(
        [
            (org["bob"], org["carol"], "team"),
            (org["bob"], org["dan"], "team"),
            (org["victor"], org["carol"], "user"),
            (org["erin"], org["frank"], "export"),
        ]
    )
    # One row per view: bob's team, victor's look at carol, erin's export.
    assert sorted(views) == sorted([(org["bob"], "team"), (org["victor"], "user"), (org["erin"], "export")])


def test_an_admin_outside_the_people_file_is_shown_by_slack_id_to_the_people_they_viewed(slack_http, rt, org):
    ask(slack_http, f"user {at('frank')}", "root")
    ask(slack_http, "team Platform", "root")
    with rt.sessions() as session:
        rows = session.execute(select(AuditView.viewer_person_id, AuditView.viewer_slack_user_id)).all()
    assert rows and set(rows) == {(None, "U0ROOT")}
    answer = ask(slack_http, "me", "frank")
    assert "• <@U0ROOT> looked you up, last on" in answer
    assert "someone no longer here" not in answer
    answer = ask(slack_http, "me", "carol")
    assert "• <@U0ROOT> in team stats, last on" in answer


def test_a_known_viewer_is_not_copied_by_slack_id_into_the_audit_trail(slack_http, rt, org):
    ask(slack_http, "team", "bob")
    with rt.sessions() as session:
        rows = session.execute(select(AuditView.viewer_person_id, AuditView.viewer_slack_user_id)).all()
    assert rows and all(person is not None and slack_id is None for person, slack_id in rows)
