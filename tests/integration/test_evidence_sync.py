"""`evidence sync github` through githubkit against a local GitHub speaking the real REST paths and shapes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.db.earned_units import verified_pr_units
from bot.db.models import CodeActivityDaily, Person, VerifiedPullRequest
from bot.domain.evidence import load_ai_tools
from bot.domain.periods import IsoWeek
from bot.domain.ranking import rank
from bot.ingest import github_prs
from bot.ingest.github_prs import GitHubPulls
from bot.services.erasure import forget
from bot.services.evidence import sync_github, sync_github_from_settings
from bot.services.stats import person_weeks
from bot.services.transparency import stored_about
from tests.conftest import NOW
from tests.fakes.github_api import TOKEN, Commit, FakeGitHub, PullRequest
from tests.support.artifacts import add_artifact
from tests.support.github import COPILOT, ORG, github_settings, load_people_with_logins, pr
from tests.support.personal_data import traces_in_database

W47 = IsoWeek.parse("2026-W47")
SINCE, UNTIL = date(2026, 11, 16), date(2026, 11, 22)
SEARCH = "/search/issues"


def fill(github: FakeGitHub) -> None:
    github.add_pull(pr(1, "bobb"))  # approved by Carol, Claude co-authored, 45 lines: counts
    github.add_pull(pr(2, "bobb", trailer=None))  # human only
    github.add_pull(pr(3, "carol-c", trailer=COPILOT, approvers=()))  # nobody approved
    github.add_pull(pr(4, "carol-c", approvers=("bobb",), additions=1, deletions=1))  # 2 lines
    github.add_pull(pr(5, "dandan", repo="web", email="dan@example.com", approvers=("bobb",), base="develop"))
    github.add_pull(pr(7, "bobb", approvers=("bobb",)))  # approved only by its author
    # A coding agent's PR, made for Erin: matched by the co-author trailer, approved by Bob.
    agent = pr(6, "copilot-swe-agent[bot]", repo="web", trailer="Co-authored-by: Erin Evans <erin@example.com>")
    agent.reviews = [("bobb", "APPROVED")]
    github.add_pull(agent)
    github.add_pull(pr(9, "carol-c", day=17, title="Add cache", approvers=("bobb",)))
    github.add_pull(pr(8, "carol-c", day=21, title='Revert "Add cache"', approvers=("bobb",)))
    # Another organisation's PR and one merged outside the window are not read.
    github.add_pull(PullRequest("other/x", 1, "Elsewhere", "bobb", NOW, commits=[Commit("x", "bobb", "b@x")]))
    github.add_pull(pr(10, "bobb", day=25))


@pytest.fixture
def github():
    with FakeGitHub() as server:
        fill(server)
        yield server


def stored(sessions) -> dict[int, tuple]:
    with sessions() as session:
        rows = session.execute(
            select(VerifiedPullRequest, Person.email).outerjoin(Person, Person.id == VerifiedPullRequest.person_id)
        ).all()
        return {r.number: (email, r.counted, r.reason, r.ai_tool, r.changed_lines) for r, email in rows}


def test_only_approved_ai_assisted_merged_prs_into_the_default_branch_count(sessions, database_url, github, tmp_path):
    load_people_with_logins(sessions, tmp_path)
    report = sync_github_from_settings(sessions, github_settings(database_url, github), SINCE, UNTIL, NOW)

    assert report.ok, report.error
    assert report.pull_requests == 9 and report.counted == 2
    rows = stored(sessions)
    assert rows[1] == ("bob@example.com", True, None, "Claude", 45)
    assert rows[6] == ("erin@example.com", True, None, "Copilot", 45)
    assert rows[2][1:3] == (False, "no AI co-author trailer or AI bot commit")
    assert rows[3][1:3] == (False, "not approved in review by someone other than its author")
    assert rows[4][1:3] == (False, "changes 2 lines (at least 10 count)")
    assert rows[5] == ("dan@example.com", False, "merged into develop, not the default branch main", "Claude", 45)
    assert rows[7][1:3] == (False, "not approved in review by someone other than its author")
    assert rows[9][1:3] == (False, "reverted by #8")
    assert rows[8][1:3] == (False, "reverts an earlier PR: not new output")
    assert 10 not in rows  # merged after the window
    # The real request paths and parameters: one search window, then each PR, its commits and its reviews.
    query = github.requests_to(SEARCH)[0].value("q")
    assert query == f"is:pr is:merged org:{ORG} merged:2026-11-16T00:00:00Z..2026-11-22T23:59:59Z"
    assert len(github.requests_to("/repos/acme/api/pulls/1")) == 1
    assert github.requests_to("/repos/acme/api/pulls/1/commits")[0].value("per_page") == "100"
    assert len(github.requests_to("/repos/acme/web/pulls/6/reviews")) == 1
    assert github.requests_to(SEARCH)[0].headers["authorization"] == f"token {TOKEN}"

    # Work units of the week: Bob's one counted PR and Erin's, 0.5 each; nobody else gains anything.
    with sessions() as session:
        weeks = person_weeks(session, W47)
        by_email = {p.email: p.id for p in session.scalars(select(Person))}
    assert weeks[by_email["bob@example.com"]].work_units == pytest.approx(0.5)
    assert weeks[by_email["erin@example.com"]].work_units == pytest.approx(0.5)
    assert by_email["carol@example.com"] not in weeks and by_email["dan@example.com"] not in weeks


def test_a_repeated_sync_stores_each_pr_once_and_a_late_revert_still_takes_the_original_out(
    sessions, database_url, github, tmp_path
):
    load_people_with_logins(sessions, tmp_path)
    settings = github_settings(database_url, github)
    # First only up to the 19th: "Add cache" counts then.
    sync_github_from_settings(sessions, settings, SINCE, date(2026, 11, 19), NOW)
    assert stored(sessions)[9][1] is True
    sync_github_from_settings(sessions, settings, SINCE, UNTIL, NOW)
    sync_github_from_settings(sessions, settings, SINCE, UNTIL, NOW)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(VerifiedPullRequest)) == 9
    assert stored(sessions)[9][1:3] == (False, "reverted by #8")


def test_at_most_four_prs_count_a_person_week_and_claude_code_prs_never_count_twice(sessions, database_url, tmp_path):
    load_people_with_logins(sessions, tmp_path)
    with FakeGitHub() as github:
        for number in range(20, 27):  # seven good PRs by Bob in one week
            github.add_pull(pr(number, "bobb", day=18))
        sync_github_from_settings(sessions, github_settings(database_url, github), SINCE, UNTIL, NOW)
    with sessions.begin() as session:
        ids = {p.email: p.id for p in session.scalars(select(Person))}
        # Claude Code says Carol opened 3 PRs that week and Bob 2 (the same PRs GitHub shows for him).
        for email, prs in (("carol@example.com", 3), ("bob@example.com", 2)):
            session.add(
                CodeActivityDaily(
                    person_id=ids[email],
                    day=date(2026, 11, 18),
                    provider="claude_code",
                    pull_requests=prs,
                    updated_at=NOW,
                )
            )
    with sessions() as session:
        weeks = person_weeks(session, W47)
    assert weeks[ids["bob@example.com"]].work_units == pytest.approx(2.0)  # 4 × 0.5, not 7, not 7 + 2
    assert weeks[ids["carol@example.com"]].work_units == pytest.approx(1.5)  # Claude Code's 3 PRs


def test_claude_code_prs_count_in_the_iso_week_of_their_day_for_any_set_of_weeks(sessions, tmp_path):
    """One SELECT maps each day to its ISO week in SQL: Sundays end a week, Mondays start one, gaps are left out."""
    load_people_with_logins(sessions, tmp_path)
    days = {
        date(2026, 11, 8): 1,  # Sunday, W45: not asked for
        date(2026, 11, 9): 2,  # Monday, W46
        date(2026, 11, 15): 3,  # Sunday, W46
        date(2026, 11, 16): 4,  # Monday, W47: not asked for (a gap between the weeks asked)
        date(2026, 11, 23): 1,  # Monday, W48
        date(2026, 11, 29): 1,  # Sunday, W48
        date(2026, 11, 30): 4,  # Monday, W49: not asked for
    }
    with sessions.begin() as session:
        carol = session.scalars(select(Person.id).where(Person.email == "carol@example.com")).one()
        for day, prs in days.items():
            session.add(
                CodeActivityDaily(person_id=carol, day=day, provider="claude_code", pull_requests=prs, updated_at=NOW)
            )
    weeks = [IsoWeek.parse("2026-W46"), IsoWeek.parse("2026-W48")]
    with sessions() as session:
        units = {
            (pid, str(start)): units
            for pid, start, units in session.execute(verified_pr_units(weeks, [carol]).order_by("week_start"))
        }
    # W46: 2 + 3 = 5 PRs, capped at 4 → 2.0 units; W48: 1 + 1 = 2 PRs → 1.0.
    assert units == {(carol, "2026-11-09"): Decimal("2.00"), (carol, "2026-11-23"): Decimal("1.00")}


def test_windows_are_split_under_the_search_cap(sessions, database_url, github, tmp_path, monkeypatch):
    load_people_with_logins(sessions, tmp_path)
    monkeypatch.setattr(github_prs, "SEARCH_CAP", 3)
    for hour, pull in enumerate(sorted(github.pulls.values(), key=lambda p: p.number)):
        if pull.number not in (8, 9, 10):  # the revert pair keeps its days; #10 stays outside
            pull.merged_at = pull.merged_at.replace(hour=hour)
    report = sync_github_from_settings(sessions, github_settings(database_url, github), SINCE, UNTIL, NOW)
    assert report.ok and report.pull_requests == 9 and report.windows >= 3
    for request in github.requests_to(SEARCH):
        if request.value("per_page") == "100":
            start, end = request.value("q").split("merged:")[1].split("..")
            inside = [
                p
                for p in github.pulls.values()
                if p.repository.startswith(ORG)
                and datetime.fromisoformat(start.replace("Z", "+00:00"))
                <= p.merged_at
                <= datetime.fromisoformat(end.replace("Z", "+00:00"))
            ]
            assert len(inside) <= 3


@pytest.mark.parametrize("status, retry_after", [(429, "1"), (403, None)])
def test_rate_limits_are_waited_out(sessions, database_url, github, tmp_path, status, retry_after):
    load_people_with_logins(sessions, tmp_path)
    github.rate_limit_next(SEARCH, status, retry_after=retry_after, reset_in=1)
    github.rate_limit_next("/repos/acme/api/pulls/1/commits", status, retry_after=retry_after, reset_in=1)
    report = sync_github_from_settings(sessions, github_settings(database_url, github), SINCE, UNTIL, NOW)
    assert report.ok, report.error
    assert report.counted == 2
    assert [r.status for r in github.requests_to("/repos/acme/api/pulls/1/commits")] == [status, 200]


def test_a_failed_window_writes_nothing_and_names_the_command_to_retry(
    sessions, database_url, github, tmp_path, monkeypatch, capsys
):
    load_people_with_logins(sessions, tmp_path)
    github.fail_next("/repos/acme/api/pulls/4/reviews", 404)
    for name, value in {
        "DATABASE_URL": database_url,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_ORG": ORG,
        "GITHUB_API_URL": github.origin,
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["evidence", "sync", "github", "--since", "2026-11-16", "--until", "2026-11-22"]) == 1
    captured = capsys.readouterr()
    assert "acme/api#4 reviews: GitHub answered HTTP 404: Not Found" in captured.err
    assert "retry with: buildboard evidence sync github --since 2026-11-16 --until 2026-11-22" in captured.err
    assert TOKEN not in captured.out + captured.err
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(VerifiedPullRequest)) == 0
    # The retry succeeds and the export lists each PR with whether it counted.
    assert main(["evidence", "sync", "github", "--since", "2026-11-16", "--until", "2026-11-22"]) == 0
    out = capsys.readouterr().out
    assert "9 merged pull requests in 1 windows, 2 counted as verified output" in out
    assert main(["export", "evidence", "--week", "2026-W47"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "email,repository,number,title,merged_at,ai_tool,work_units,counted,reason"
    assert "bob@example.com,acme/api,1,Change 1,2026-11-20T10:00:00+00:00,Claude,0.5,True," in lines
    assert any(line.startswith("carol@example.com,acme/api,4,") and "False,changes 2 lines" in line for line in lines)


def test_without_token_or_org_the_command_says_what_to_set(database_url, sessions, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    assert main(["evidence", "sync", "github"]) == 2
    assert "GITHUB_TOKEN is not set" in capsys.readouterr().err


def test_an_unmatched_author_is_stored_as_not_counted(sessions, database_url, tmp_path):
    load_people_with_logins(sessions, tmp_path)
    with FakeGitHub() as github:
        github.add_pull(pr(1, "stranger", email="stranger@elsewhere.example"))
        report = sync_github(
            sessions,
            GitHubPulls.from_settings(github_settings(database_url, github)),
            load_ai_tools(),
            SINCE,
            UNTIL,
            NOW,
            github_settings(database_url, github).zone,
        )
    assert report.unmatched == 1, report.error
    assert stored(sessions)[1] == (None, False, "author not in the people file (add github_login)", "Claude", 45)


def test_ten_trivial_prs_with_typed_in_trailers_do_not_lift_their_author_above_a_real_builder(
    sessions, database_url, tmp_path
):
    load_people_with_logins(sessions, tmp_path)
    with FakeGitHub() as github:
        for number in range(30, 40):  # a trailer typed into ten one-line PRs, some even approved by a friend
            github.add_pull(pr(number, "bobb", day=18, additions=1, deletions=1, approvers=("dandan",)))
        for number in range(40, 45):  # or big ones nobody else approved
            github.add_pull(pr(number, "bobb", day=18, approvers=("bobb",)))
        github.add_pull(pr(50, "carol-c", day=18, approvers=("bobb",)))  # Carol's reviewed, real change
        report = sync_github_from_settings(sessions, github_settings(database_url, github), SINCE, UNTIL, NOW)
    assert report.counted == 1 and sum(report.not_counted.values()) == 15
    add_artifact(sessions, "carol@example.com", W47, "Release notes bot", url="https://git.example/notes")
    with sessions() as session:
        weeks = person_weeks(session, W47)
        ids = {p.email: p.id for p in session.scalars(select(Person))}
    ranked = [w.person_id for w in rank(weeks.values())]
    assert ranked[0] == ids["carol@example.com"]
    assert ids["bob@example.com"] not in weeks  # fifteen PRs, no verified output
    assert weeks[ids["carol@example.com"]].work_units == pytest.approx(1.5)


def test_a_person_sees_their_prs_and_forgetting_them_erases_the_prs_and_their_login(
    sessions, database_url, github, tmp_path
):
    load_people_with_logins(sessions, tmp_path)
    sync_github_from_settings(sessions, github_settings(database_url, github), SINCE, UNTIL, NOW)
    with sessions() as session:
        bob = session.scalar(select(Person).where(Person.email == "bob@example.com"))
        mine = stored_about(session, bob)
    assert mine.profile["github_login"] == "bobb"
    assert {(p["number"], p["counted"]) for p in mine.verified_pull_requests} == {(1, True), (2, False), (7, False)}
    forget(sessions, now=NOW, email="bob@example.com")
    with sessions() as session:
        assert session.scalar(select(func.count()).where(VerifiedPullRequest.author_login == "bobb")) == 0
        assert traces_in_database(session, ["bobb"]) == []
        assert session.scalar(select(func.count()).select_from(VerifiedPullRequest)) == 6  # the others' PRs stay
