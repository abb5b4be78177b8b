"""Nudges end to end: queue → DM → buttons → modal → artifact, through the real HTTP endpoint."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.db.models import Artifact, Nudge, OutboxMessage, Person
from bot.domain.periods import IsoWeek
from bot.services.nudges import reminder_key, send_week
from bot.slack.delivery import OutboxSender
from tests.conftest import DIGEST_CHANNEL, NOW
from tests.scenario.interactive import (
    button,
    click,
    home_opened,
    shortcut,
    state_for_nothing,
    state_for_share,
    submit,
    views_opened,
    views_published,
    wait_until,
)
from tests.support.nudges import W47, nudge_week
from tests.support.nudges import cli_env as _cli_env
from tests.support.organisation import load_org


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def dm(slack, user_id):
    [message] = slack.messages_in("D" + user_id)
    return message


def test_nudge_share_modal_artifact_dm_updated_and_app_home_lists_it(slack_http, slack, rt):
    load_org(rt.sessions)
    report, delivery = nudge_week(rt)
    # Default rule ($50 or the top 10 %): only Carol ($95) is asked.
    assert [p.name for p in report.planned] == ["Carol Chen"] and delivery.sent == 1
    message = dm(slack, "U0CAROL")
    text = dumps(message["blocks"])
    assert "860K tokens" in text and "$95.00" in text and "#1 of 4 people by spend" in text
    for action_id in ("open_share_modal", "nudge_nothing_to_show", "nudge_remind_later"):
        button(message, action_id)
    with rt.sessions() as session:
        assert session.scalars(select(Nudge.status)).one() == "sent"

    (status, _), _ = click(
        slack_http, "U0CAROL", "open_share_modal", button(message, "open_share_modal")["value"], message=message
    )
    assert status == 200
    [opened] = slack.wait_for("views.open")
    view = opened.args["view"]
    assert opened.args["trigger_id"].startswith("trig.click.")
    views_opened(slack)
    assert view["callback_id"] == "share_artifact_modal"
    assert json.loads(view["private_metadata"]) == {"week": "2026-W47"}

    state = state_for_share(
        title="Invoice matcher <!channel>",
        url="https://git.example.com/invoice-matcher",
        description="Matches supplier invoices to POs for the finance team",
        kind="tool",
        hours="3.5",
        share_in_channel=True,
    )
    status, body = submit(slack_http, "U0CAROL", slack.views_opened[0], state)
    assert (status, body) == (200, "")
    slack.wait_for("chat.update")
    slack.wait_for("views.publish")

    with rt.sessions() as session:
        artifact = session.scalars(select(Artifact)).one()
        assert (artifact.title, artifact.kind, artifact.week_start) == ("Invoice matcher <!channel>", "tool", W47.start)
        assert artifact.url == "https://git.example.com/invoice-matcher"
        assert (artifact.tokens_snapshot, artifact.spend_snapshot_usd) == (860_000, Decimal("95"))
        # 3.5 hours saved a week: 1 work unit plus half a unit (work_units_for), until an AI estimate.
        assert (artifact.work_units, artifact.work_units_source) == (Decimal("1.50"), "default")
        assert artifact.hours_saved_per_week == Decimal("3.5")
        nudge = session.scalars(select(Nudge)).one()
        assert nudge.status == "shared" and nudge.answered_at == NOW

    updated = dm(slack, "U0CAROL")
    assert updated["ts"] == message["ts"] and updated.get("edited")
    assert "You shared *Invoice matcher &lt;!channel&gt;*" in dumps(updated["blocks"])
    assert all(b["type"] != "actions" for b in updated["blocks"])  # no buttons left to press twice

    [showcase] = slack.messages_in(DIGEST_CHANNEL)
    showcase_text = dumps(showcase["blocks"])
    assert "<@U0CAROL> shared *<https://git.example.com/invoice-matcher|Invoice matcher &lt;!channel&gt;>*" in (
        showcase_text
    )
    assert "<!channel>" not in showcase_text

    status, _ = home_opened(slack_http, "U0CAROL")
    assert status == 200
    published = slack.wait_for("views.publish", count=2)[-1]
    home = dumps(published.args["view"])
    assert published.args["user_id"] == "U0CAROL"
    assert "https://git.example.com/invoice-matcher|Invoice matcher &lt;!channel&gt;" in home
    assert '"action_id": "edit_artifact"' in home and '"action_id": "delete_artifact"' in home
    assert '"action_id": "open_share_modal"' in home and '"action_id": "home_toggle_nudges"' in home
    assert "860K tokens · $95.00 · 1 artifact counted · 1.5 work units · $95.00 per artifact" in home  # 3.5 h
    assert "Who sees your numbers: you, your managers up the line, admins." in home
    assert slack.internal_errors == []


def test_invalid_submission_gets_inline_errors_and_stores_nothing(slack_http, slack, rt):
    load_org(rt.sessions)
    shortcut(slack_http, "U0CAROL")
    opened = views_opened(slack)[0]
    state = state_for_share(title="x" * 151, url="ftp://files.example.com/x", description="  ", hours="-2")
    status, body = submit(slack_http, "U0CAROL", opened, state)
    assert status == 200
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"title", "url", "description", "kind", "hours_saved"}
    assert "150 characters" in body["errors"]["title"]
    with rt.sessions() as session:
        assert session.scalars(select(Artifact)).all() == []
    assert slack.calls_to("chat.update") == [] and slack.calls_to("views.publish") == []


def test_someone_not_in_the_people_file_is_told_in_the_modal(slack_http, slack, rt):
    load_org(rt.sessions)
    shortcut(slack_http, "U0STRANGER")
    state = state_for_share(title="Thing", description="Does things for the team, every single week", kind="other")
    status, body = submit(slack_http, "U0STRANGER", views_opened(slack)[0], state)
    assert body["response_action"] == "errors" and "can't find you" in body["errors"]["title"]
    slack.wait_for("users.info")  # the listener asked Slack who this is (and let it finish before the stand-in stops)


def test_nothing_to_show_asks_why_and_records_the_reason(slack_http, slack, rt):
    load_org(rt.sessions)
    nudge_week(rt)
    message = dm(slack, "U0CAROL")
    click(slack_http, "U0CAROL", "nudge_nothing_to_show", "2026-W47", message=message)
    opened = views_opened(slack)[0]
    assert opened["callback_id"] == "nothing_to_show_modal"
    status, body = submit(slack_http, "U0CAROL", opened, state_for_nothing("other", None))
    assert body == {"response_action": "errors", "errors": {"reason_text": "Tell us a little more."}}
    status, body = submit(slack_http, "U0CAROL", opened, state_for_nothing("exploring", "Trying agents <!here>"))
    assert (status, body) == (200, "")
    wait_until(lambda: "Exploring" in dumps(dm(slack, "U0CAROL")["blocks"]), what="the DM update")
    with rt.sessions() as session:
        nudge = session.scalars(select(Nudge)).one()
        assert (nudge.status, nudge.reason) == ("nothing_to_show", "exploring")
        assert nudge.reason_text == "Trying agents <!here>"
        assert session.scalars(select(Artifact)).all() == []
    text = dumps(dm(slack, "U0CAROL")["blocks"])
    assert "Exploring or learning" in text and "&lt;!here&gt;" in text and "<!here>" not in text


def test_remind_me_later_sends_one_reminder_after_the_configured_days(slack_http, slack, rt):
    load_org(rt.sessions)
    nudge_week(rt)
    message = dm(slack, "U0CAROL")
    click(slack_http, "U0CAROL", "nudge_remind_later", "2026-W47", message=message)
    slack.wait_for("chat.update")
    with rt.sessions() as session:
        nudge = session.scalars(select(Nudge)).one()
        assert (nudge.status, nudge.remind_at) == ("snoozed", NOW + timedelta(days=2))
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reminder")).one()
        assert (row.idempotency_key, row.not_before) == (reminder_key(nudge.person_id, W47), NOW + timedelta(days=2))
    # A second click (the old DM in another client) asks for nothing more.
    (_, _), payload = click(slack_http, "U0CAROL", "nudge_remind_later", "2026-W47", message=message)
    [answer] = slack_http.responses(payload["response_url"])
    assert "reminder already" in answer["text"]

    # Not due yet: nothing sent.
    assert send_week(rt.sessions, rt.sender, W47, NOW).sent == 0
    later = NOW + timedelta(days=2, minutes=1)
    sender = OutboxSender(rt.sessions, rt.slack, clock=lambda: later)
    assert send_week(rt.sessions, sender, W47, later).sent == 1
    assert send_week(rt.sessions, sender, W47, later + timedelta(days=3)).sent == 0
    reminders = [m for m in slack.messages_in("DU0CAROL") if "reminder" in m["text"].lower()]
    assert len(reminders) == 1
    assert "nudge_remind_later" not in dumps(reminders[0]["blocks"])
    with rt.sessions() as session:
        nudge = session.scalars(select(Nudge)).one()
        assert (nudge.status, nudge.reminded_at) == ("reminded", later)
    # Sharing after the reminder rewrites both DMs.
    updates_before = len(slack.calls_to("chat.update"))
    click(slack_http, "U0CAROL", "open_share_modal", '{"week": "2026-W47"}', message=reminders[0])
    submit(
        slack_http,
        "U0CAROL",
        views_opened(slack)[-1],
        state_for_share(title="T", description="Describes the thing for the whole team", kind="other"),
    )
    slack.wait_for("chat.update", count=updates_before + 2)
    views_published(slack)  # App Home refreshed last


def test_answering_before_the_reminder_is_due_cancels_it(slack_http, slack, rt):
    load_org(rt.sessions)
    nudge_week(rt)
    message = dm(slack, "U0CAROL")
    click(slack_http, "U0CAROL", "nudge_remind_later", "2026-W47", message=message)
    slack.wait_for("chat.update")
    click(slack_http, "U0CAROL", "nudge_nothing_to_show", "2026-W47", message=message)
    submit(slack_http, "U0CAROL", views_opened(slack)[0], state_for_nothing("not_my_usage"))
    slack.wait_for("chat.update", count=2)
    later = NOW + timedelta(days=5)
    assert send_week(rt.sessions, OutboxSender(rt.sessions, rt.slack, clock=lambda: later), W47, later).sent == 0
    with rt.sessions() as session:
        assert session.scalars(select(OutboxMessage.status).where(OutboxMessage.kind == "reminder")).one() == (
            "cancelled"
        )


def test_a_person_who_already_shared_is_not_nudged(slack_http, slack, rt):
    load_org(rt.sessions)
    shortcut(slack_http, "U0CAROL")
    opened = views_opened(slack)[0]
    # The shortcut opens the current week's modal; share for W47 as from the DM of that week.
    opened = {**opened, "private_metadata": dumps({"week": "2026-W47"})}
    submit(
        slack_http,
        "U0CAROL",
        opened,
        state_for_share(title="Report bot", description="Writes the weekly report for the sales team", kind="tool"),
    )
    slack.wait_for("views.publish")
    report, delivery = nudge_week(rt)
    assert report.planned == [] and delivery.sent == 0
    assert slack.messages_in("DU0CAROL") == []


def test_shortcut_and_share_command_open_the_modal_for_the_current_week(slack_http, slack, rt):
    load_org(rt.sessions)
    status, body = shortcut(slack_http, "U0DAN")
    assert status == 200
    status, body, _ = slack_http.command("share", user_id="U0DAN", trigger_id="trig.command")
    assert status == 200
    calls = slack.wait_for("views.open", count=2)
    assert {c.args["trigger_id"] for c in calls} >= {"trig.command"}
    for call in calls:
        assert call.args["view"]["callback_id"] == "share_artifact_modal"
        assert json.loads(call.args["view"]["private_metadata"]) == {"week": "2026-W48"}
    state = state_for_share(title="Linter", description="Lints the monorepo on every pull request", kind="code_change")
    submit(slack_http, "U0DAN", views_opened(slack, 2)[0], state)
    slack.wait_for("views.publish")
    with rt.sessions() as session:
        artifact = session.scalars(select(Artifact)).one()
        assert artifact.week_start == IsoWeek(2026, 48).start and artifact.tokens_snapshot == 0
    assert slack.messages_in(DIGEST_CHANNEL) == []  # not asked to post it


def test_app_home_switch_edit_and_delete(slack_http, slack, rt):
    load_org(rt.sessions)
    shortcut(slack_http, "U0CAROL")
    first = {**views_opened(slack)[0], "private_metadata": dumps({"week": "2026-W47"})}
    submit(
        slack_http,
        "U0CAROL",
        first,
        state_for_share(title="Old title", description="Does the thing for the team, every week", kind="tool"),
    )
    slack.wait_for("views.publish")
    with rt.sessions() as session:
        artifact_id = session.scalars(select(Artifact.id)).one()

    click(slack_http, "U0CAROL", "home_toggle_nudges", "off")
    assert "Turn weekly DMs on" in dumps(views_published(slack, 2)[-1]["blocks"])
    with rt.sessions() as session:
        assert session.scalars(select(Person.nudges_enabled).where(Person.slack_user_id == "U0CAROL")).one() is False

    # Someone else cannot edit or delete it.
    click(slack_http, "U0DAN", "delete_artifact", str(artifact_id))
    click(slack_http, "U0DAN", "edit_artifact", str(artifact_id))
    click(slack_http, "U0CAROL", "edit_artifact", str(artifact_id))
    edit_view = views_opened(slack, 2)[-1]
    assert json.loads(edit_view["private_metadata"]) == {"week": "2026-W47", "artifact_id": artifact_id}
    assert "Old title" in dumps(edit_view["blocks"])
    assert len(slack.views_opened) == 2  # Dan's edit opened nothing
    submit(
        slack_http,
        "U0CAROL",
        edit_view,
        state_for_share(title="New title", description="Does the new thing for the team, every week", kind="analysis"),
    )
    slack.wait_for("views.publish", count=3)
    with rt.sessions() as session:
        artifact = session.get(Artifact, artifact_id)
        assert (artifact.title, artifact.kind, artifact.week_start) == ("New title", "analysis", W47.start)
        assert session.scalars(select(Artifact)).all() == [artifact]

    click(slack_http, "U0CAROL", "delete_artifact", str(artifact_id))
    last = views_published(slack, 4)[-1]
    with rt.sessions() as session:
        assert session.scalars(select(Artifact)).all() == []
    assert "Nothing shared yet" in dumps(last["blocks"])


def test_export_artifacts_lists_what_was_shared_with_the_spend_beside_it(
    slack_http, slack, rt, database_url, monkeypatch, capsys
):
    from bot.cli import main

    load_org(rt.sessions)
    shortcut(slack_http, "U0CAROL")
    opened = {**views_opened(slack)[0], "private_metadata": dumps({"week": "2026-W47"})}
    submit(
        slack_http,
        "U0CAROL",
        opened,
        state_for_share(
            title="Matcher, v2",
            url="https://x.example.com",
            description="Does the thing for the team, every week",
            kind="tool",
            hours="2",
        ),
    )
    slack.wait_for("views.publish")
    _cli_env(monkeypatch, database_url, slack)
    assert main(["export", "artifacts", "--week", "2026-W47", "--format", "json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert {k: row[k] for k in row if k not in ("created_at", "id")} == {
        "week": "2026-W47",
        "email": "carol@example.com",
        "title": "Matcher, v2",
        "url": "https://x.example.com",
        "kind": "tool",
        "hours_saved_per_week": "2",
        "work_units": "1.50",  # 2 hours saved a week (work_units_for); no AI estimate in this test
        "work_units_source": "default",
        "estimate_work_units": None,
        "estimate_category": None,
        "estimate_summary": None,
        "estimate_model": None,
        "estimated_at": None,
        "override_work_units": None,
        "tokens_snapshot": 860000,
        "spend_snapshot_usd": "95",
        "share_in_channel": False,
        "counted": True,
        "endorsements": 0,
        "work_units_contributed": "1.50",
    }
    assert main(["export", "artifacts", "--week", "2026-W46"]) == 0
    assert capsys.readouterr().out.strip().splitlines() == [
        "id,week,email,title,url,kind,hours_saved_per_week,work_units,work_units_source,estimate_work_units,"
        "estimate_category,estimate_summary,estimate_model,estimated_at,override_work_units,tokens_snapshot,"
        "spend_snapshot_usd,share_in_channel,created_at,counted,endorsements,work_units_contributed"
    ]


@pytest.fixture
def hooked_http(rt, slack):
    """The real app with its own artifact-saved hook in the Runtime, where the work-unit estimate sits."""
    from tests.conftest import serving

    seen: list[tuple[int, str]] = []
    done = threading.Event()

    def hook(artifact_id: int) -> None:
        seen.append((artifact_id, threading.current_thread().name))
        done.set()

    rt.artifact_hooks = (hook,)
    with serving(rt, slack) as http:
        yield http, seen, done


def test_artifact_hooks_run_after_create_and_edit_off_the_request_thread(hooked_http, slack, rt):
    http, seen, done = hooked_http
    load_org(rt.sessions)
    shortcut(http, "U0CAROL")
    submit(
        http,
        "U0CAROL",
        views_opened(slack)[0],
        state_for_share(title="A", description="Does the thing for the team, every week", kind="tool"),
    )
    assert done.wait(10)
    with rt.sessions() as session:
        artifact_id = session.scalars(select(Artifact.id)).one()
    assert seen[0][0] == artifact_id and seen[0][1].startswith("artifact-hooks")
    done.clear()
    click(http, "U0CAROL", "edit_artifact", str(artifact_id))
    submit(
        http,
        "U0CAROL",
        views_opened(slack, 2)[-1],
        state_for_share(title="B", description="Does the thing for the team, every week", kind="tool"),
    )
    assert done.wait(10)
    assert [a for a, _ in seen] == [artifact_id, artifact_id]
    views_published(slack, 2)


def test_showcase_of_someone_with_privacy_on_does_not_name_them(slack_http, slack, rt):
    load_org(rt.sessions)
    with rt.sessions.begin() as session:
        session.scalars(select(Person).where(Person.slack_user_id == "U0CAROL")).one().public_opt_out = True
    shortcut(slack_http, "U0CAROL")
    state = state_for_share(
        title="Quiet tool", description="Does the thing for the team, every week", kind="tool", share_in_channel=True
    )
    submit(slack_http, "U0CAROL", views_opened(slack)[0], state)
    slack.wait_for("views.publish")
    [showcase] = slack.messages_in(DIGEST_CHANNEL)
    text = dumps(showcase)
    assert "A colleague shared *Quiet tool*" in text
    assert "U0CAROL" not in text and "Carol" not in text


def test_the_digests_share_button_opens_the_modal_for_the_current_week(slack_http, slack, rt):
    load_org(rt.sessions)
    click(slack_http, "U0DAN", "open_share_modal", "digest")
    [opened] = views_opened(slack)
    assert json.loads(opened["private_metadata"]) == {"week": "2026-W48"}


def test_app_home_shows_who_looked_at_your_numbers(slack_http, slack, rt):
    from bot.domain.reports import ViewedGroup
    from bot.services.audit import record_view

    load_org(rt.sessions)
    with rt.sessions.begin() as session:
        ids = dict(session.execute(select(Person.slack_user_id, Person.id)).all())
        record_view(
            session,
            viewer_id=ids["U0BOB"],
            group=ViewedGroup("person", ids["U0CAROL"]),
            action="team",
            detail="team",
            now=NOW,
        )
    slack_http.post(
        json.dumps(
            {
                "type": "event_callback",
                "team_id": "T1",
                "api_app_id": "A1",
                "event": {"type": "app_home_opened", "user": "U0CAROL", "tab": "home", "event_ts": "1.0"},
                "event_id": "Ev1",
                "event_time": 1,
            }
        ),
        content_type="application/json",
    )
    [published] = slack.wait_for("views.publish")
    text = dumps(published.args["view"]["blocks"])
    assert "Who looked at your numbers" in text and "<@U0BOB>" in text
    # Dan was never looked at: his Home says so.
    slack_http.post(
        json.dumps(
            {
                "type": "event_callback",
                "team_id": "T1",
                "api_app_id": "A1",
                "event": {"type": "app_home_opened", "user": "U0DAN", "tab": "home", "event_ts": "2.0"},
                "event_id": "Ev2",
                "event_time": 2,
            }
        ),
        content_type="application/json",
    )
    dan = slack.wait_for("views.publish", count=2)[-1]
    assert "Nobody." in dumps(dan.args["view"]["blocks"]) and "U0BOB" not in dumps(dan.args["view"]["blocks"])
