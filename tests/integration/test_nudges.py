"""Nudges queued and sent once per person: repeated and concurrent runs, crashes, the CLI, who is asked and when."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.models import Nudge, OutboxMessage, Person
from bot.services.nudges import queue_nudges, send_week, sync_nudge_status
from bot.slack.delivery import OutboxSender
from tests.conftest import NOW, make_settings
from tests.support.nudges import W47, nudge_week
from tests.support.nudges import cli_env as _cli_env
from tests.support.organisation import load_org


def test_repeated_and_concurrent_runs_send_one_dm_per_person(rt, slack, database_url):
    load_org(rt.sessions)
    settings = make_settings(database_url, slack, nudge_min_spend_usd=Decimal("40"))

    def run():
        queue_nudges(rt.sessions, settings, W47, NOW, at_local_hour=False)
        send_week(rt.sessions, OutboxSender(rt.sessions, rt.slack, clock=lambda: NOW), W47, NOW)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    run()
    dms = [m for m in slack.posted_messages if m["channel"].startswith("D")]
    assert sorted(m["channel"] for m in dms) == ["DU0CAROL", "DU0ERIN"]
    assert len(slack.calls_to("chat.postMessage")) == 2
    with rt.sessions() as session:
        assert session.scalars(select(Nudge.status)).all() == ["sent", "sent"]


def test_a_crash_between_queueing_and_sending_loses_nothing(rt, slack, database_url, monkeypatch, capsys):
    from bot.cli import main

    load_org(rt.sessions)
    queue_nudges(rt.sessions, rt.settings, W47, NOW, at_local_hour=False)  # …and the process died here
    assert slack.calls_to("chat.postMessage") == []
    _cli_env(monkeypatch, database_url, slack)
    assert main(["nudge", "--week", "2026-W47"]) == 0
    assert "0 newly queued, 1 queued earlier; 1 DM sent now" in capsys.readouterr().out
    assert main(["nudge", "--week", "2026-W47"]) == 0
    assert len(slack.messages_in("DU0CAROL")) == 1


def test_cli_nudge_dry_run_lists_people_and_sends_nothing(rt, slack, database_url, monkeypatch, capsys):
    from bot.cli import main

    load_org(rt.sessions)
    _cli_env(monkeypatch, database_url, slack, BUILDBOARD_NUDGE_MIN_SPEND_USD="40")
    assert main(["nudge", "--week", "2026-W47", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "2 people would get a DM now asking what they built in 2026-W47 (a dry run: nothing sent):" in out
    assert "#1 Carol Chen <carol@example.com>: 860K tokens, $95.00 (min spend)" in out
    assert "#2 Erin Evans" in out
    assert "left out" not in out
    assert slack.calls == []
    with rt.sessions() as session:
        assert session.scalars(select(Nudge)).all() == []


def test_cli_nudge_dry_run_leaves_out_people_already_asked_or_who_answered(
    rt, slack, database_url, monkeypatch, capsys
):
    from bot.cli import main

    load_org(rt.sessions)
    settings = make_settings(database_url, slack, nudge_min_spend_usd=Decimal("0.01"))
    _cli_env(monkeypatch, database_url, slack, BUILDBOARD_NUDGE_MIN_SPEND_USD="0.01")
    queue_nudges(rt.sessions, settings, W47, NOW, at_local_hour=False)  # all four queued
    with rt.sessions.begin() as session:
        by_name = {p.name: p.id for p in session.scalars(select(Person))}
        nudges = {n.person_id: n for n in session.scalars(select(Nudge))}
        nudges[by_name["Carol Chen"]].status = "shared"  # answered
        nudges[by_name["Erin Evans"]].status = "sent"  # asked: the DM went out
        sent = session.scalars(select(OutboxMessage).where(OutboxMessage.person_id == by_name["Erin Evans"])).one()
        sent.status = "sent"
    assert main(["nudge", "--week", "2026-W47", "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    # Bob and Dan: queued earlier, not sent yet, so a run now sends their DMs.
    assert lines[0] == "2 people would get a DM now asking what they built in 2026-W47 (a dry run: nothing sent):"
    assert [line.split(" <")[0].split(" ", 3)[-1] for line in lines[1:3]] == ["Dan Diaz", "Bob Baker"]  # by spend
    assert lines[3] == "2 more were chosen for 2026-W47 and left out: 1 already asked, 1 answered"
    assert slack.calls == []


def test_nudges_turned_off_or_deactivated_are_not_asked(rt, slack, database_url):
    load_org(rt.sessions)
    settings = make_settings(database_url, slack, nudge_min_spend_usd=Decimal("40"))
    with rt.sessions.begin() as session:
        carol = session.scalars(select(Person).where(Person.slack_user_id == "U0CAROL")).one()
        erin = session.scalars(select(Person).where(Person.slack_user_id == "U0ERIN")).one()
        carol.nudges_enabled = False
        erin.active = False
    report, delivery = nudge_week(rt, settings)
    assert report.planned == [] and delivery.sent == 0


def test_at_local_hour_uses_slack_tz_then_the_people_file_then_the_default(rt, slack, database_url):
    load_org(rt.sessions)
    settings = make_settings(database_url, slack, nudge_min_spend_usd=Decimal("0.01"), nudge_local_hour=10)
    with rt.sessions.begin() as session:
        bob = session.scalars(select(Person).where(Person.slack_user_id == "U0BOB")).one()
        bob.slack_timezone = "Europe/Berlin"  # Slack's tz wins over the file's America/New_York
    report = queue_nudges(rt.sessions, settings, W47, NOW, at_local_hour=True)
    when = {p.name: p.not_before for p in report.planned}
    assert when == {
        "Carol Chen": datetime(2026, 11, 25, 18, 0, tzinfo=UTC),  # 10:00 in Los Angeles, later today
        "Erin Evans": datetime(2026, 11, 26, 1, 0, tzinfo=UTC),  # 10:00 tomorrow in Tokyo
        "Bob Baker": datetime(2026, 11, 26, 9, 0, tzinfo=UTC),  # 10:00 Berlin has passed today
        "Dan Diaz": datetime(2026, 11, 26, 10, 0, tzinfo=UTC),  # no zone: BUILDBOARD_TIMEZONE (UTC)
    }
    with rt.sessions() as session:
        rows = {r.channel: r.not_before for r in session.scalars(select(OutboxMessage))}
    assert rows["U0CAROL"] == datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
    assert send_week(rt.sessions, rt.sender, W47, NOW).sent == 0  # nobody's hour yet


def test_a_person_without_a_slack_id_is_looked_up_by_email_or_fails_with_the_reason(rt, slack, database_url):
    load_org(rt.sessions)
    settings = make_settings(database_url, slack, nudge_min_spend_usd=Decimal("40"))
    with rt.sessions.begin() as session:
        for person in session.scalars(select(Person).where(Person.slack_user_id.in_(["U0CAROL", "U0ERIN"]))):
            person.slack_user_id = None
    slack.add_user({"id": "U0CAROL", "tz": "America/Los_Angeles", "profile": {"email": "carol@example.com"}})
    report, delivery = nudge_week(rt, settings)
    assert delivery.sent == 1 and delivery.failed == 1
    assert "no Slack user has the email of person" in delivery.errors[0]
    assert len(slack.messages_in("DU0CAROL")) == 1
    with rt.sessions() as session:
        carol = session.scalars(select(Person).where(Person.email == "carol@example.com")).one()
        assert (carol.slack_user_id, carol.slack_timezone) == ("U0CAROL", "America/Los_Angeles")
        failed = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "failed")).one()
        assert failed.last_error == "users_not_found"
        sync_nudge_status(session, W47, NOW)


@pytest.mark.postgres_only
def test_two_processes_running_buildboard_nudge_at_once_send_one_dm_per_person(rt, slack, database_url):
    load_org(rt.sessions)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_API_URL": slack.base_url,
        "BUILDBOARD_NUDGE_MIN_SPEND_USD": "40",
    }
    # The installed console script, as an operator (or a second replica) would run it.
    command = [str(Path(sys.executable).parent / "buildboard"), "nudge", "--week", "2026-W47"]
    processes = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outputs = [p.communicate(timeout=60) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    dms = sorted(m["channel"] for m in slack.posted_messages if m["channel"].startswith("D"))
    assert dms == ["DU0CAROL", "DU0ERIN"]
    assert len(slack.calls_to("chat.postMessage")) == 2
