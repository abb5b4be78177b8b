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

from githubkit import GitHub
from githubkit.exception import GitHubException, RequestFailed
from githubkit.retry import RetryChainDecision, RetryRateLimit, RetryServerError
from githubkit.typing import RetryOption

from bot.domain.evidence import CommitFacts, PullRequestFacts
from bot.ingest.provider_api import MissingKey, ProviderError
from bot.settings import Settings

SEARCH_CAP = 1000  # the search API answers at most this many results per query
PAGE_SIZE = 100
MIN_WINDOW = timedelta(minutes=1)
RATE_LIMIT_RETRIES = 5
MIN_RATE_LIMIT_WAIT = timedelta(seconds=1)
Window = tuple[datetime, datetime]


class WaitOutRateLimits:
    """githubkit's rate-limit retry, waiting at least a second.

    githubkit waits the Retry-After or until x-ratelimit-reset, but a reset time that has just passed
    (clocks a second apart) gives a zero wait, which it then treats as "unknown" and sleeps a minute.
    """

    def __init__(self, max_retry: int) -> None:
        self._inner = RetryRateLimit(max_retry=max_retry)

    def __call__(self, exc: GitHubException, retry_count: int) -> RetryOption:
        option = self._inner(exc, retry_count)
        if not option.do_retry:
            return option
        return RetryOption(True, max(option.retry_after or MIN_RATE_LIMIT_WAIT, MIN_RATE_LIMIT_WAIT))


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


class GitHubPulls:
    """`buildboard evidence sync github`: reads merged PRs of one organisation."""

    def __init__(self, github: GitHub[Any], org: str, token: str) -> None:
        self._github = github
        self.org = org
        self._token = token

    @classmethod
    def from_settings(cls, settings: Settings, *, rate_limit_retries: int = RATE_LIMIT_RETRIES) -> GitHubPulls:
        token = settings.github_token.get_secret_value() if settings.github_token else ""
        if not token:
            raise MissingKey("GITHUB_TOKEN is not set: a token that can read the organisation's pull requests")
        if not settings.github_org:
            raise MissingKey("GITHUB_ORG is not set: the organisation whose merged pull requests count")
        github = GitHub(
            token,
            base_url=settings.github_api_url,
            http_cache=False,
            timeout=30.0,
            auto_retry=RetryChainDecision(WaitOutRateLimits(rate_limit_retries), RetryServerError()),
        )
        # Inside githubkit's context one HTTP client (one connection pool) serves every request of the sync.
        github.__enter__()
        return cls(github, settings.github_org, token)

    def close(self) -> None:
        self._github.__exit__()

    # ------------------------------------------------------------------ requests

    def _call(self, what: str, request: Callable[[], Any]) -> Any:
        try:
            return request().json()
        except RequestFailed as exc:
            detail = ""
            try:
                body = exc.response.json()
                detail = str(body.get("message") or "") if isinstance(body, dict) else ""
            except Exception:  # noqa: BLE001 - an error page that is not JSON
                detail = ""
            text = f"{what}: GitHub answered HTTP {exc.response.status_code}" + (f": {detail}" if detail else "")
        except GitHubException as exc:
            text = f"{what}: could not reach GitHub ({type(exc).__name__})"
        except ValueError:
            text = f"{what}: GitHub's answer is not JSON"
        raise ProviderError(text.replace(self._token, "***")[:300]) from None

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
