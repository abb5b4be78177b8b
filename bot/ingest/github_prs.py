"""Merged pull requests of a GitHub organisation, through githubkit's REST client.

`GET /search/issues` with `is:pr is:merged org:ORG merged:FROM..TO` finds them; its answers stop at
1,000 results, so a window whose `total_count` is larger is halved until each part fits. Then for
each PR: `GET /repos/{owner}/{repo}/pulls/{number}` (base branch, the repository's default branch,
additions and deletions), its commits (trailers, authors) and its reviews (who approved).
Rate limits (403/429 with Retry-After or x-ratelimit-reset) are waited out by githubkit's retry
decision; any other failure raises ProviderError naming the request, never the token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain.evidence import CommitFacts, PullRequestFacts
from bot.ingest.github_client import RATE_LIMIT_RETRIES, GitHubApi, WaitOutRateLimits
from bot.ingest.provider_api import ProviderError
from bot.settings import Settings

SEARCH_CAP = 1000  # the search API answers at most this many results per query
PAGE_SIZE = 100
MIN_WINDOW = timedelta(minutes=1)
Window = tuple[datetime, datetime]
__all__ = ["GitHubPulls", "WaitOutRateLimits"]


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


class GitHubPulls:
    """`buildboard evidence sync github`: reads merged PRs of one organisation."""

    def __init__(self, api: GitHubApi) -> None:
        self._api = api
        self._github = api.github
        self.org = api.org

    @classmethod
    def from_settings(cls, settings: Settings, *, rate_limit_retries: int = RATE_LIMIT_RETRIES) -> GitHubPulls:
        return cls(
            GitHubApi.from_settings(settings, needs="merged pull requests", rate_limit_retries=rate_limit_retries)
        )

    def close(self) -> None:
        self._api.close()

    # ------------------------------------------------------------------ requests

    def _call(self, what: str, request: Callable[[], Any]) -> Any:
        return self._api.call(what, request)

    def _query(self, window: Window) -> str:
        return f"is:pr is:merged org:{self.org} merged:{_stamp(window[0])}..{_stamp(window[1])}"

    def _search(self, window: Window, page: int, per_page: int) -> dict[str, Any]:
        answer = self._call(
            f"search merged PRs {_stamp(window[0])}..{_stamp(window[1])}",
            lambda: self._github.rest.search.issues_and_pull_requests(
                q=self._query(window), per_page=per_page, page=page, sort="updated", order="asc"
            ),
        )
        if not isinstance(answer, dict) or not isinstance(answer.get("items"), list):
            raise ProviderError("search merged PRs: unexpected answer (no items list)")
        return answer

    def windows(self, start: datetime, end: datetime) -> list[Window]:
        """[start, end] cut into windows of at most SEARCH_CAP merged PRs each, in time order."""
        total = int(self._search((start, end), 1, 1).get("total_count") or 0)
        if total <= SEARCH_CAP or end - start <= MIN_WINDOW:
            return [(start, end)] if total else []
        middle = start + (end - start) / 2
        middle = middle.replace(microsecond=0)
        return [*self.windows(start, middle), *self.windows(middle + timedelta(seconds=1), end)]

    def _pages(self, what: str, fetch: Callable[[int], Any]) -> Iterator[dict[str, Any]]:
        page = 1
        while True:
            rows = fetch(page)
            if not isinstance(rows, list):
                raise ProviderError(f"{what}: unexpected answer (not a list)")
            yield from (row for row in rows if isinstance(row, dict))
            if len(rows) < PAGE_SIZE:
                return
            page += 1

    def fetch(self, window: Window) -> list[PullRequestFacts]:
        """Every merged PR of the window, with its commits and reviews."""
        found: dict[tuple[str, int], dict[str, Any]] = {}
        page = 1
        while True:
            answer = self._search(window, page, PAGE_SIZE)
            for item in answer["items"]:
                repository = str(item.get("repository_url", "")).rsplit("/repos/", 1)[-1]
                found[(repository, int(item["number"]))] = item
            if len(answer["items"]) < PAGE_SIZE or page * PAGE_SIZE >= SEARCH_CAP:
                break
            page += 1
        return [self._pull_request(repository, number) for repository, number in sorted(found)]

    def _pull_request(self, repository: str, number: int) -> PullRequestFacts:
        owner, _, repo = repository.partition("/")
        where = f"{repository}#{number}"
        pr = self._call(where, lambda: self._github.rest.pulls.get(owner, repo, number))
        commits = self._pages(
            f"{where} commits",
            lambda page: self._call(
                f"{where} commits",
                lambda: self._github.rest.pulls.list_commits(owner, repo, number, per_page=PAGE_SIZE, page=page),
            ),
        )
        reviews = self._pages(
            f"{where} reviews",
            lambda page: self._call(
                f"{where} reviews",
                lambda: self._github.rest.pulls.list_reviews(owner, repo, number, per_page=PAGE_SIZE, page=page),
            ),
        )
        base = pr.get("base") or {}
        return PullRequestFacts(
            repository=repository,
            number=number,
            title=str(pr.get("title") or ""),
            url=pr.get("html_url"),
            author_login=(pr.get("user") or {}).get("login"),
            merged_at=_parse_time(str(pr.get("merged_at"))),
            base_ref=str(base.get("ref") or ""),
            default_branch=str((base.get("repo") or {}).get("default_branch") or ""),
            additions=int(pr.get("additions") or 0),
            deletions=int(pr.get("deletions") or 0),
            approvers=tuple(
                str((review.get("user") or {}).get("login"))
                for review in reviews
                if review.get("state") == "APPROVED" and (review.get("user") or {}).get("login")
            ),
            commits=tuple(
                CommitFacts(
                    message=str((commit.get("commit") or {}).get("message") or ""),
                    author_login=(commit.get("author") or {}).get("login"),
                    author_email=((commit.get("commit") or {}).get("author") or {}).get("email"),
                )
                for commit in commits
            ),
        )
