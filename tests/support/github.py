"""Shared bits of the verified-evidence tests: a people file with GitHub logins, PRs on the local GitHub."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.ingest.csv_files import read_people
from bot.services.people import import_people
from tests.conftest import DATA, NOW, make_settings
from tests.fakes.github_api import TOKEN, Commit, FakeGitHub, PullRequest

ORG = "acme"
LOGINS = {
    "alice@example.com": "alice-a",
    "bob@example.com": "bobb",
    "carol@example.com": "carol-c",
    "erin@example.com": "erin-e",
}  # Dan has none: his PRs are matched by commit email
CLAUDE = "Co-authored-by: Claude <noreply@anthropic.com>"
COPILOT = "Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>"


def people_file(tmp_path):
    """tests/data/people.csv with the new github_login column."""
    lines = DATA.joinpath("people.csv").read_text().splitlines()
    out = [lines[0] + ",github_login"]
    for line in lines[1:]:
        email = line.split(",")[0]
        out.append(f"{line},{LOGINS.get(email, '')}")
    path = tmp_path / "people-github.csv"
    path.write_text("\n".join(out) + "\n")
    return path


def load_people_with_logins(sessions, tmp_path):
    with sessions.begin() as session:
        return import_people(session, read_people(people_file(tmp_path)), now=NOW)


def github_settings(database_url, github: FakeGitHub, slack=None, **overrides):
    values = dict(github_token=TOKEN, github_org=ORG, github_api_url=github.origin)
    values.update(overrides)
    return make_settings(database_url, slack, **values)


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


def pr(
    number: int,
    author: str,
    *,
    day: int = 20,
    repo: str = "api",
    title: str | None = None,
    trailer: str | None = CLAUDE,
    email: str | None = None,
    approvers: tuple[str, ...] = ("carol-c",),
    additions: int = 40,
    deletions: int = 5,
    base: str = "main",
    commit_author: str | None = None,
) -> PullRequest:
    """A merged PR with one commit (its trailer, if any) and the given approvals."""
    message = f"Change {number}\n\nDetails." + (f"\n\n{trailer}" if trailer else "")
    login = commit_author if commit_author is not None else author
    return PullRequest(
        repository=f"{ORG}/{repo}",
        number=number,
        title=title or f"Change {number}",
        author=author,
        merged_at=at(day),
        additions=additions,
        deletions=deletions,
        base_ref=base,
        commits=[Commit(message, login, email or f"{author}@users.noreply.github.com")],
        reviews=[("someone-else", "COMMENTED"), *((a, "APPROVED") for a in approvers)],
    )
