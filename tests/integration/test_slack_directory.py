"""Slack ids for the whole organisation from one pass over users.list (the Slack stand-in pages it for real)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.db.models import Person
from bot.ingest.records import PersonRecord
from bot.jobs.tasks import slack_ids
from bot.services.people import import_people
from bot.services.slack_directory import DirectoryPacer, resolve_slack_ids_from_directory
from tests.conftest import BOT_TOKEN, NOW


def _org(count: int) -> list[PersonRecord]:
    return [
        PersonRecord(i + 2, f"p{i}@example.com", f"P{i}", "Team", "p0@example.com" if i else None, None, None)
        for i in range(count)
    ]


def _slack_users(count: int, *, extra: int = 0) -> list[dict]:
    users = [
        {
            "id": f"U{i:07d}",
            "tz": "Europe/Paris",
            "deleted": False,
            "is_bot": False,
            "profile": {"email": f"P{i}@Example.com"},
        }
        for i in range(count + extra)
    ]
    users.append({"id": "UBOTX", "is_bot": True, "deleted": False, "profile": {"email": "p1@example.com"}})
    return users


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _resolve(sessions, slack, clock: FakeClock):
    client = _client(slack)
    pacer = DirectoryPacer(3.0, clock=clock, sleep=clock.sleep)
    return resolve_slack_ids_from_directory(
        sessions, lambda cursor: client.users_list(cursor=cursor, limit=200), pacer=pacer
    )


def _client(slack):
    from slack_sdk import WebClient

    from bot.slack.client import retry_handlers

    return WebClient(token=BOT_TOKEN, base_url=slack.base_url, retry_handlers=retry_handlers())


def _check_all_found(sessions, count: int) -> None:
    with sessions() as session:
        assert session.scalar(select(func.count()).where(Person.slack_user_id.is_not(None))) == count
        p1 = session.scalars(select(Person).where(Person.email == "p1@example.com")).one()
        assert (p1.slack_user_id, p1.slack_timezone) == ("U0000001", "Europe/Paris")  # not the bot with that email


@pytest.mark.postgres_only
def test_70000_people_take_350_pages_of_users_list_not_70000_lookups(sessions, slack):
    count = 70_000
    for user in _slack_users(count):
        slack.add_user(user)
    with sessions.begin() as session:
        assert len(import_people(session, _org(count), now=NOW).missing_slack_ids) == count
    clock = FakeClock()
    report = _resolve(sessions, slack, clock)
    assert (report.missing, report.found) == (count, count)
    # 200 a page; the pass ends once everyone is found (the bot user on a 351st page is never read).
    assert report.pages == len(slack.calls_to("users.list")) == 350
    assert not slack.calls_to("users.lookupByEmail")
    assert all(call.args.get("limit") == "200" for call in slack.calls_to("users.list"))
    # Paced to Tier 2: one call every 3 s at most.
    assert sum(clock.slept) >= 3.0 * (report.pages - 1) - 1e-6
    _check_all_found(sessions, count)


def test_ids_come_from_users_list_pages_and_respect_retry_after(sessions, slack):
    count = 450
    for user in _slack_users(count, extra=300):  # the workspace has more people than the file
        slack.add_user(user)
    with sessions.begin() as session:
        import_people(session, _org(count), now=NOW)
    # Three 429s in a row: the client's own retries wait out two, the pass waits out the third.
    slack.fail_next("users.list", status=429, retry_after=1, times=3)
    clock = FakeClock()
    report = _resolve(sessions, slack, clock)
    assert report.found == count
    assert 1.0 in clock.slept
    pages = slack.calls_to("users.list")
    assert len(pages) == 3 + report.pages
    cursors = [c.args.get("cursor") for c in pages[3:]]
    assert cursors[0] in (None, "") and all(cursors[1:])  # each later page asks for the cursor it was given
    _check_all_found(sessions, count)
    # Nothing missing: no call at all.
    before = len(slack.calls_to("users.list"))
    assert _resolve(sessions, slack, FakeClock()).missing == 0
    assert len(slack.calls_to("users.list")) == before


def test_org_import_finds_the_ids_in_the_same_command_or_leaves_them_to_the_daily_job(
    database_url, sessions, slack, rt, monkeypatch, capsys, tmp_path
):
    for user in _slack_users(30):
        slack.add_user(user)
    people = tmp_path / "people.csv"
    people.write_text(
        "email,name,team,manager_email\n"
        + "".join(f"p{i}@example.com,P{i},Team,{'p0@example.com' if i else ''}\n" for i in range(30))
    )
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", slack.base_url)
    assert main(["org", "import", "--no-slack", str(people)]) == 0
    out, err = capsys.readouterr()
    assert "30 people have no Slack id yet; the scheduler's next daily run finds them in users.list" in out
    assert "Slack ids" not in err and not slack.calls_to("users.list")
    # The scheduler's daily job.
    assert slack_ids(rt) == "found 30 of 30 missing Slack ids by email (1 page of users.list)"
    _check_all_found(sessions, 30)

    # Without --no-slack, a new person's id is found by the import itself (no progress line off a terminal).
    slack.add_user({"id": "UNEW0001", "tz": "UTC", "profile": {"email": "new@example.com"}})
    people.write_text(people.read_text() + "new@example.com,New,Team,p0@example.com\n")
    assert main(["org", "import", str(people)]) == 0
    out, err = capsys.readouterr()
    assert "found 1 of 1 missing Slack ids by email (1 page of users.list)" in out
    assert "Slack ids" not in err and "Traceback" not in err  # the progress line is drawn on a terminal only
    assert not slack.calls_to("users.lookupByEmail")
