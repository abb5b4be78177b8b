"""Charts through the real app: App Home's own trend (uploaded privately, drawn once per set of numbers)
and the team answer's Chart button (a DM to the manager, only for a group they may see)."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.db.models import AuditView, ChartFile, Person
from bot.domain.periods import IsoWeek
from bot.services.erasure import forget
from tests.conftest import NOW
from tests.scenario.interactive import click, home_opened, wait_until
from tests.support.artifacts import add_artifact
from tests.support.audit_trail import seen_per_person, views_recorded
from tests.support.organisation import load_org

W48 = IsoWeek(2026, 48)  # the current week at NOW


def image_blocks(view: dict) -> list[dict]:
    return [b for b in view["blocks"] if b["type"] == "image"]


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_app_home_shows_my_trend_uploaded_privately_and_drawn_once_per_set_of_numbers(slack_http, slack, rt):
    load_org(rt.sessions)
    home_opened(slack_http, "U0CAROL")
    [first] = slack.wait_for("views.publish")
    [image] = image_blocks(first.args["view"])
    [upload] = slack.uploaded_files
    # Shared in no channel: the file is the app's alone, shown only by Carol's own App Home.
    assert upload["shared"] is False and upload["channel_id"] is None and upload["thread_ts"] is None
    assert image["slack_file"] == {"id": upload["file_id"]}
    assert png_size(upload["bytes"]) == (1200, 600)
    # Carol's weeks with data only (W46, W47; nothing yet this week), the same numbers as alt text.
    assert (
        image["alt_text"]
        == upload["alt_text"]
        == ("Your AI spend and work units, W46–W47. W46: $30.00 spend, 0 work units; W47: $95.00 spend, 0 work units.")
    )

    home_opened(slack_http, "U0CAROL")
    second = slack.wait_for("views.publish", count=2)[1]
    assert image_blocks(second.args["view"]) == [image]
    assert len(slack.uploaded_files) == 1  # opened twice, drawn and uploaded once
    assert len(slack.calls_to("files.getUploadURLExternal")) == 1

    # New numbers this week: drawn once more, and remembered in place of the old picture.
    add_artifact(rt.sessions, "carol@example.com", W48, "Release checker", units="2")
    home_opened(slack_http, "U0CAROL")
    third = slack.wait_for("views.publish", count=3)[2]
    [new_image] = image_blocks(third.args["view"])
    assert len(slack.uploaded_files) == 2 and new_image["slack_file"] == {"id": slack.uploaded_files[1]["file_id"]}
    assert new_image["alt_text"].endswith("W48 (so far): $0.00 spend, 2 work units.")
    with rt.sessions() as session:
        [row] = session.scalars(select(ChartFile)).all()
        assert (row.kind, row.week_start, row.file_id) == ("personal", W48.start, slack.uploaded_files[1]["file_id"])


def test_app_home_without_numbers_has_no_chart(slack_http, slack, rt):
    load_org(rt.sessions)
    home_opened(slack_http, "U0ALICE")  # Alice used no AI
    [published] = slack.wait_for("views.publish")
    assert image_blocks(published.args["view"]) == [] and slack.uploaded_files == []


def test_a_failed_upload_costs_the_picture_not_the_page(slack_http, slack, rt):
    load_org(rt.sessions)
    slack.fail_next("files.getUploadURLExternal", error="invalid_arguments")
    home_opened(slack_http, "U0CAROL")
    [published] = slack.wait_for("views.publish")
    assert image_blocks(published.args["view"]) == []
    assert "Your weeks" in json.dumps(published.args["view"]["blocks"])


def _team_answer(slack_http, user_id: str, text: str = "team") -> dict:
    _, _, url = slack_http.command(text, user_id=user_id)
    [answer] = slack_http.responses(url)
    return answer


def _press_chart(slack_http, user_id: str, value: str, answer: dict) -> str:
    message = {"ts": "1764000000.000100", "channel": "C0RANDOM", "text": answer["text"], "blocks": answer["blocks"]}
    _, payload = click(slack_http, user_id, "team_chart", value, message=message)
    [reply] = slack_http.responses(payload["response_url"])
    return reply["text"]


def test_the_team_answer_offers_a_chart_that_is_dmed_to_the_manager(slack_http, slack, rt):
    load_org(rt.sessions)
    answer = _team_answer(slack_http, "U0BOB")
    [button] = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert (button["action_id"], button["text"]["text"], button["value"]) == ("team_chart", "Chart", "{}")

    assert _press_chart(slack_http, "U0BOB", button["value"], answer) == "Sent you the chart in a DM."
    [upload] = wait_until(lambda: slack.uploaded_files, what="the chart upload")
    assert upload["channel_id"] == slack.dm_channel_for("U0BOB")
    assert png_size(upload["bytes"]) == (1200, 800)
    # Bob's team (Carol, Dan): W46 $30 + $10; W47 $95 + Dan's $4.00 priced from tokens; nobody shared.
    assert upload["alt_text"] == (
        "Bob Baker's team (everyone below you): W46–W47 2026. "
        "W46: $40.00 spend, 0 work units, 2 active people, evidence ratio 0%; "
        "W47 (last week): $99.00 spend, 0 work units, 2 active people, evidence ratio 0%. Only you received this chart."
    )
    assert upload["initial_comment"] == upload["alt_text"]
    with rt.sessions() as session:
        bob = session.scalars(select(Person).where(Person.email == "bob@example.com")).one()
        seen = seen_per_person(session, "team_chart")
        assert {viewer for viewer, _, _ in seen} == {bob.id} and len(seen) == 2  # Carol and Dan
        assert sorted(session.scalars(select(Person.email).where(Person.id.in_([p for _, p, _ in seen])))) == [
            "carol@example.com",
            "dan@example.com",
        ]
        assert views_recorded(session, "team_chart") == 1


def test_the_chart_button_is_refused_to_someone_who_may_not_see_the_group(slack_http, slack, rt):
    load_org(rt.sessions)
    answer = _team_answer(slack_http, "U0BOB")
    # A forged button value: Bob asks for Alice's team, which includes Bob's manager and Erin.
    reply = _press_chart(slack_http, "U0BOB", json.dumps({"user": "U0ALICE"}), answer)
    assert reply.startswith("I can't show that person's team")
    # Carol manages nobody: her own "team" does not exist, and Platform includes Bob, above her.
    assert _press_chart(slack_http, "U0CAROL", "{}", answer).startswith("Nobody reports to you")
    assert _press_chart(slack_http, "U0CAROL", json.dumps({"team": "Platform"}), answer).startswith(
        "I can't show that team"
    )
    assert slack.uploaded_files == []
    with rt.sessions() as session:
        assert session.scalars(select(AuditView).where(AuditView.action == "team_chart")).all() == []


def test_forgetting_someone_forgets_their_app_home_charts(slack_http, slack, rt):
    load_org(rt.sessions)
    home_opened(slack_http, "U0CAROL")
    slack.wait_for("views.publish")
    with rt.sessions() as session:
        assert session.scalar(select(ChartFile.id)) is not None
    report = forget(rt.sessions, email="carol@example.com", now=NOW)
    assert report.removed["their App Home charts"] == 1
    with rt.sessions() as session:
        assert session.scalars(select(ChartFile)).all() == []


def test_a_chart_slack_no_longer_has_is_forgotten_and_the_numbers_still_published(slack_http, slack, rt):
    load_org(rt.sessions)
    home_opened(slack_http, "U0CAROL")
    slack.wait_for("views.publish")
    slack.fail_next("views.publish", error="invalid_blocks")  # as Slack answers for a deleted slack_file
    home_opened(slack_http, "U0CAROL")
    [_, refused, plain] = slack.wait_for("views.publish", count=3)
    assert image_blocks(refused.args["view"]) and image_blocks(plain.args["view"]) == []
    with rt.sessions() as session:
        assert session.scalars(select(ChartFile)).all() == []  # the next publish draws it again
    home_opened(slack_http, "U0CAROL")
    fourth = slack.wait_for("views.publish", count=4)[3]
    assert image_blocks(fourth.args["view"]) and len(slack.uploaded_files) == 2
