"""`usage sync copilot` through githubkit against a local GitHub: the users report's NDJSON downloads
(fetched from another host without the token), seats on every page, logins matched to people."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from sqlalchemy import select

from bot.cli import main
from bot.db.models import Person, Seat
from bot.services.sync import configured_providers
from tests.fakes.github_api import TOKEN, FakeGitHub
from tests.support.copilot_usage import D20, D22, bob_row, fill
from tests.support.github import ORG, github_settings, load_people_with_logins
from tests.support.sync import run_sync, snapshot, stored_activity, stored_usage

REPORT = f"/orgs/{ORG}/copilot/metrics/reports/users-1-day"
SEATS = f"/orgs/{ORG}/copilot/billing/seats"


@pytest.fixture
def github():
    with FakeGitHub() as server:
        fill(server)
        yield server


@pytest.fixture
def source(database_url, github):
    from bot.services.sync import make_source

    made = make_source("copilot", github_settings(database_url, github))
    made.seats_page_size = 3  # four seats: two pages, followed by the Link header
    yield made
    made.close()


def sync(sessions, database_url, github, source=None, since=D20, until=D22):
    return run_sync("copilot", sessions, github_settings(database_url, github), since, until, source=source)


def test_activity_tokens_and_seats_are_stored_per_person_and_day(sessions, database_url, github, tmp_path):
    load_people_with_logins(sessions, tmp_path)
    report = sync(sessions, database_url, github)

    assert report.ok, report.error
    activity = stored_activity(sessions)
    assert {
        k: (a.provider, a.lines_added, a.lines_removed, a.agent_requests, a.chat_requests) for k, a in activity.items()
    } == {
        ("bob@example.com", "2026-11-20"): ("copilot", 30, 5, 4, 6),
        ("carol@example.com", "2026-11-20"): ("copilot", 8, 0, 0, 0),
        ("dan@example.com", "2026-11-21"): ("copilot", 0, 0, 0, 2),
        ("stranger@users.noreply.github.com", "2026-11-21"): ("copilot", 5, 0, 0, 1),
    }
    usage = {k: r for k, r in stored_usage(sessions).items() if r.cost_source != "seat"}
    assert list(usage) == [("bob@example.com", "2026-11-20", "copilot")]
    cli = usage[("bob@example.com", "2026-11-20", "copilot")]
    assert (cli.provider, cli.source, cli.input_tokens, cli.output_tokens, cli.requests) == (
        "github",
        "copilot",
        3800,
        5000,
        2,
    )
    assert (cli.cost_usd, cli.cost_source) == (0, "reported")  # the seat pays for it

    with sessions() as session:
        seats = {
            email: (seat.plan, seat.source, seat.last_active_day)
            for seat, email in session.execute(select(Seat, Person.email).join(Person, Person.id == Seat.person_id))
        }
    assert seats == {
        "bob@example.com": ("copilot_business", "copilot", D20),
        "carol@example.com": ("copilot_enterprise", "copilot", None),
        "dan@example.com": ("copilot_business", "copilot", date(2026, 10, 1)),
        "ghost@users.noreply.github.com": ("copilot_business", "copilot", None),
    }
    seat_costs = {k for k, r in stored_usage(sessions).items() if r.cost_source == "seat"}
    assert ("carol@example.com", "2026-11-20", "copilot_enterprise seat") in seat_costs

    assert report.unmatched_logins == {"stranger", "ghost"}
    lines = report.summary_lines()
    assert any("2 GitHub logins match no one" in line and "ghost, stranger" in line for line in lines), lines
    assert not any(line.startswith("2 emails") for line in lines), lines
    assert "Copilot activity: 4 person-days, 43 lines added, 4 agent interactions" in lines


def test_reports_are_downloaded_from_their_own_host_without_the_token(sessions, database_url, github, source, tmp_path):
    load_people_with_logins(sessions, tmp_path)
    report = sync(sessions, database_url, github, source)
    assert report.ok, report.error

    downloads = github.downloads.requests
    assert len(downloads) == 4  # two days with reports, two files each
    assert all(r.status == 200 and "authorization" not in r.headers for r in downloads)
    assert all(r.headers["host"].startswith("localhost:") for r in downloads)
    assert [r.value("day") for r in github.requests_to(REPORT)] == ["2026-11-20", "2026-11-21", "2026-11-22"]
    assert [r.value("page") for r in github.requests_to(SEATS)] == ["1", "2"]  # every page, once per sync
    # GitHub asked only about the logins the people file does not know.
    assert sorted(r.path for r in github.requests if r.path.startswith("/users/")) == [
        "/users/dandan",
        "/users/ghost",
        "/users/stranger",
    ]


def test_the_download_host_refuses_the_token():
    with FakeGitHub() as github:
        github.add_copilot_day(D20, [bob_row()])
        links = httpx.get(f"{github.origin}{REPORT}?day=2026-11-20", headers={"Authorization": f"Bearer {TOKEN}"})
        link = links.json()["download_links"][0]
        assert httpx.get(link, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 403
        assert httpx.get(link).status_code == 200


def test_repeating_is_idempotent_and_revised_numbers_are_corrected(sessions, database_url, github, tmp_path):
    load_people_with_logins(sessions, tmp_path)
    assert sync(sessions, database_url, github).ok
    before = snapshot(sessions)
    assert sync(sessions, database_url, github).ok
    assert snapshot(sessions) == before

    # GitHub revises D20: Bob's lines change, his CLI use and Carol's row are gone.
    revised = bob_row(loc_added=31)
    del revised["totals_by_cli"]
    github.add_copilot_day(D20, [revised])
    report = sync(sessions, database_url, github)
    assert report.ok, report.error
    activity = stored_activity(sessions)
    assert activity[("bob@example.com", "2026-11-20")].lines_added == 31
    assert ("carol@example.com", "2026-11-20") not in activity
    assert not [k for k, r in stored_usage(sessions).items() if r.cost_source != "seat"]
    assert report.removed_rows == 1


def test_a_day_without_a_report_keeps_what_was_stored_for_it(sessions, database_url, github, tmp_path):
    load_people_with_logins(sessions, tmp_path)
    github.add_copilot_day(D22, [{"user_login": "carol-c", "user_initiated_interaction_count": 3}])
    assert sync(sessions, database_url, github).ok
    assert ("carol@example.com", "2026-11-22") in stored_activity(sessions)

    del github.copilot_rows[D22]  # GitHub answers 404 for the day now (e.g. beyond its year of history)
    report = sync(sessions, database_url, github)
    assert report.ok, report.error
    assert stored_activity(sessions)[("carol@example.com", "2026-11-22")].chat_requests == 3
    assert "no report from GitHub yet for 2026-11-22: nothing stored for those days was changed" in (
        report.summary_lines()
    )


def test_a_failed_day_writes_nothing_for_its_window_and_names_the_retry(sessions, database_url, github, tmp_path):
    load_people_with_logins(sessions, tmp_path)
    github.fail_next(REPORT, 403, when=lambda r: r.value("day") == "2026-11-21")
    report = sync(sessions, database_url, github)

    assert not report.ok
    assert "GET /orgs/acme/copilot/metrics/reports/users-1-day?day=2026-11-21: GitHub answered HTTP 403" in report.error
    assert "nothing was written for 2026-11-20 to 2026-11-22" in report.error
    assert report.retry_command() == "buildboard usage sync copilot --since 2026-11-20 --until 2026-11-22"
    assert stored_activity(sessions) == {} and stored_usage(sessions) == {}
    with sessions() as session:
        assert session.scalars(select(Seat)).all() == []


def test_an_expired_download_link_fails_the_window(sessions, database_url, github, source, tmp_path):
    load_people_with_logins(sessions, tmp_path)
    github.downloads.files.clear()
    original = github._users_report

    def expiring(request, org):
        reply = original(request, org)
        github.downloads.files.clear()  # the signed links expire before they are used
        return reply

    github._users_report = expiring
    report = sync(sessions, database_url, github, source)
    assert not report.ok
    assert "Copilot users report for 2026-11-20, file 1 of 2: the download answered HTTP 404" in report.error
    assert TOKEN not in report.error
    assert stored_activity(sessions) == {}


def test_a_storage_hiccup_on_a_download_is_retried_after_a_pause(sessions, database_url, github, source, tmp_path):
    load_people_with_logins(sessions, tmp_path)
    pauses: list[float] = []
    source._sleep = pauses.append
    github.downloads.unavailable = 2
    report = sync(sessions, database_url, github, source)
    assert report.ok, report.error
    assert pauses == [2.0, 4.0]
    assert [r.status for r in github.downloads.requests[:3]] == [503, 503, 200]
    assert len(stored_activity(sessions)) == 4


def test_the_daily_job_includes_copilot_when_token_and_org_are_set(database_url, github):
    assert "copilot" in configured_providers(github_settings(database_url, github))
    assert "copilot" not in configured_providers(github_settings(database_url, github, github_org=None))


def test_the_command_prints_the_summary_and_lists_unmatched_logins(
    sessions, database_url, github, tmp_path, monkeypatch, capsys
):
    load_people_with_logins(sessions, tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_ORG", ORG)
    monkeypatch.setenv("GITHUB_API_URL", github.origin)
    assert main(["usage", "sync", "copilot", "--since", "2026-11-20", "--until", "2026-11-22"]) == 0
    out, err = capsys.readouterr()
    assert "buildboard:" not in err and TOKEN not in out + err  # no warning, no failure, no token
    assert out.startswith("copilot: 2026-11-20 to 2026-11-22: 1 usage row, 8,800 tokens, $0.00")
    assert "2 GitHub logins match no one in the people file" in out and "ghost, stranger" in out

    monkeypatch.delenv("GITHUB_ORG")
    assert main(["usage", "sync", "copilot", "--since", "2026-11-20", "--until", "2026-11-22"]) == 2
    out, err = capsys.readouterr()
    failure = [line for line in err.splitlines() if line.startswith("buildboard:")]
    assert len(failure) == 1 and "GITHUB_ORG is not set" in failure[0] and "Traceback" not in err
