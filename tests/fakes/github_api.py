"""A local GitHub REST API: merged-PR search, pull requests, their commits and reviews, in the real wire format.

Point githubkit at it with `base_url=fake.origin` (what GITHUB_API_URL holds). Paths, parameters and
shapes follow docs.github.com/rest: `GET /search/issues` (the `is:pr is:merged org:ORG merged:A..B`
qualifiers, `total_count`, at most 1,000 results reachable, 422 beyond), `GET /repos/{o}/{r}/pulls/{n}`,
`.../commits` and `.../reviews` (page/per_page, a `Link` header). Errors are `{"message", "documentation_url"}`;
`rate_limit_next` scripts a 403/429 the way GitHub sends them (Retry-After, or x-ratelimit-remaining 0
with x-ratelimit-reset).

Copilot: `GET /orgs/{org}/copilot/billing/seats` (`total_seats`, `seats[]` with `assignee`, `plan_type`,
`last_activity_at`; page/per_page and a `Link` header), `GET /orgs/{org}/copilot/metrics/reports/users-1-day?day=D`
(`download_links`, `report_day`; 404 for a day without a report) and `GET /users/{login}` (`email` as the
profile shows it, null when private). The download links point at a second local server, `downloads`, on
another host name and port, which serves the NDJSON files and refuses (403, as a signed storage URL
does) any request carrying an Authorization header.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from bot.demo.standin.local_server import LocalServer, ReceivedRequest, Reply
from tests.fakes.http_fake import ApiError, FakeHttpServer, Fault

TOKEN = "ghp_fakeGitHubToken0123456789abcdefABCDEF"
SEARCH_CAP = 1000
DOCS = "https://docs.github.com/rest"

_PULL = re.compile(r"^/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)/pulls/(?P<number>\d+)(?P<rest>/commits|/reviews)?$")
_SEATS = re.compile(r"^/orgs/(?P<org>[^/]+)/copilot/billing/seats$")
_USERS_REPORT = re.compile(r"^/orgs/(?P<org>[^/]+)/copilot/metrics/reports/users-1-day$")
_USER = re.compile(r"^/users/(?P<login>[^/]+)$")
_MERGED = re.compile(r"merged:(?P<start>\S+)\.\.(?P<end>\S+)")


def _time(value: str) -> datetime:
    if len(value) == 10:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Commit:
    message: str
    author_login: str | None
    author_email: str
    author_name: str = "Someone"


@dataclass
class PullRequest:
    repository: str  # owner/name
    number: int
    title: str
    author: str
    merged_at: datetime
    additions: int = 40
    deletions: int = 5
    base_ref: str = "main"
    commits: list[Commit] = field(default_factory=list)
    reviews: list[tuple[str, str]] = field(default_factory=list)  # (login, state)


class SignedDownloads(LocalServer):
    """Where the report links point: another host name (localhost) and port; no Authorization accepted."""

    name = "fake-github-downloads"

    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, str] = {}  # path → NDJSON text
        self.unavailable = 0  # the next this many downloads answer 503, as a storage hiccup does

    @property
    def origin(self) -> str:
        return f"http://localhost:{self.port}"

    def reply_to(self, request: ReceivedRequest) -> Reply:
        if "authorization" in request.headers:
            return Reply(
                403, "<Error><Code>AccessDenied</Code><Message>Authorization header not allowed</Message></Error>"
            )
        if request.method != "GET" or not request.value("sig"):
            return Reply(403, "<Error><Code>AccessDenied</Code></Error>")
        if self.unavailable > 0:
            self.unavailable -= 1
            return Reply(503, "<Error><Code>ServerBusy</Code></Error>")
        text = self.files.get(request.path)
        if text is None:
            return Reply(404, "<Error><Code>BlobNotFound</Code></Error>")
        return Reply(200, text)


class FakeGitHub(FakeHttpServer):
    name = "fake-github"

    def __init__(self, *, token: str = TOKEN, org: str = "acme") -> None:
        super().__init__()
        self.token = token
        self.org = org
        self.default_branches: dict[str, str] = {}
        self.pulls: dict[tuple[str, int], PullRequest] = {}
        self.seats: list[dict] = []  # as the seats API answers them
        self.copilot_rows: dict[date, list[dict]] = {}  # day → the users report's rows
        self.files_per_report = 2  # each day's rows are split over this many files
        self.profile_emails: dict[str, str | None] = {}  # login → public email
        self.downloads = SignedDownloads()

    def start(self):
        self.downloads.start()
        return super().start()

    def stop(self) -> None:
        super().stop()
        self.downloads.stop()

    # ------------------------------------------------------------------ test helpers

    def add_pull(self, pr: PullRequest) -> PullRequest:
        self.default_branches.setdefault(pr.repository, "main")
        self.pulls[(pr.repository, pr.number)] = pr
        return pr

    def add_seat(
        self, login: str, plan_type: str = "business", last_activity_at: str | None = "2026-11-20T10:00:00Z"
    ) -> dict:
        seat = {
            "created_at": "2026-01-05T09:00:00Z",
            "updated_at": "2026-01-05T09:00:00Z",
            "pending_cancellation_date": None,
            "last_activity_at": last_activity_at,
            "last_activity_editor": "vscode/1.95.0/copilot/1.250.0" if last_activity_at else None,
            "plan_type": plan_type,
            "assignee": self._user(login),
            "assigning_team": None,
        }
        self.seats.append(seat)
        return seat

    def add_copilot_day(self, day: date, rows: list[dict]) -> None:
        self.copilot_rows[day] = [{"day": day.isoformat(), "organization_id": "4242", **row} for row in rows]

    def rate_limit_next(
        self, path: str, status: int = 403, *, retry_after: str | None = None, reset_in: int = 1
    ) -> None:
        """The next request to `path` is refused as GitHub's rate limits are: with Retry-After, or the reset time."""
        message = (
            "API rate limit exceeded for user ID 1."
            if retry_after is None
            else "You have exceeded a secondary rate limit."
        )
        headers: dict = {"x-ratelimit-limit": "30", "x-ratelimit-remaining": "0", "x-ratelimit-used": "30"}
        headers["x-ratelimit-reset"] = str(int(time.time()) + reset_in)
        if retry_after is not None:
            headers["Retry-After"] = retry_after
        self._faults.add(path, Fault(status, {"message": message, "documentation_url": DOCS}, headers))

    # ------------------------------------------------------------------ wire format

    def error_body(self, status: int, message: str | None = None) -> dict:
        default = {401: "Bad credentials", 404: "Not Found", 422: "Validation Failed"}.get(status, "Server Error")
        return {"message": message or default, "documentation_url": DOCS, "status": str(status)}

    def check_auth(self, request: ReceivedRequest) -> None:
        if request.headers.get("authorization") not in (f"token {self.token}", f"Bearer {self.token}"):
            raise ApiError(401, "Bad credentials")

    def reply_to(self, request: ReceivedRequest) -> Reply:
        try:
            self.check_auth(request)
            fault = self._faults.take(request.path, request)
            if fault is not None:
                return Reply(fault.status, fault.body, fault.headers)
            if request.method != "GET":
                raise ApiError(404)
            if request.path == "/search/issues":
                return self._search(request)
            if (seats := _SEATS.match(request.path)) is not None:
                return self._seats(request, seats["org"])
            if (report := _USERS_REPORT.match(request.path)) is not None:
                return self._users_report(request, report["org"])
            if (user := _USER.match(request.path)) is not None:
                return Reply(200, self._profile(user["login"]))
            match = _PULL.match(request.path)
            if match is None:
                raise ApiError(404)
            pr = self.pulls.get((f"{match['owner']}/{match['repo']}", int(match["number"])))
            if pr is None:
                raise ApiError(404)
            if match["rest"] == "/commits":
                return self._paged(request, [self._commit(pr, i, c) for i, c in enumerate(pr.commits)])
            if match["rest"] == "/reviews":
                return self._paged(request, [self._review(pr, i, r) for i, r in enumerate(pr.reviews)])
            return Reply(200, self._pull(pr))
        except ApiError as exc:
            return Reply(exc.status, exc.body or self.error_body(exc.status, exc.message), exc.headers)

    # ------------------------------------------------------------------ shapes

    def _url(self, path: str) -> str:
        return f"{self.origin}{path}"

    def _user(self, login: str) -> dict:
        return {
            "login": login,
            "id": abs(hash(login)) % 10_000_000,
            "url": self._url(f"/users/{login}"),
            "type": "Bot" if login.endswith("[bot]") else "User",
            "site_admin": False,
        }

    def _issue_item(self, pr: PullRequest) -> dict:
        path = f"/repos/{pr.repository}/issues/{pr.number}"
        return {
            "url": self._url(path),
            "repository_url": self._url(f"/repos/{pr.repository}"),
            "html_url": f"https://github.example/{pr.repository}/pull/{pr.number}",
            "number": pr.number,
            "title": pr.title,
            "state": "closed",
            "user": self._user(pr.author),
            "pull_request": {
                "url": self._url(f"/repos/{pr.repository}/pulls/{pr.number}"),
                "merged_at": _stamp(pr.merged_at),
            },
            "closed_at": _stamp(pr.merged_at),
            "score": 1.0,
        }

    def _pull(self, pr: PullRequest) -> dict:
        owner = pr.repository.split("/")[0]
        return {
            "url": self._url(f"/repos/{pr.repository}/pulls/{pr.number}"),
            "html_url": f"https://github.example/{pr.repository}/pull/{pr.number}",
            "number": pr.number,
            "state": "closed",
            "title": pr.title,
            "user": self._user(pr.author),
            "merged": True,
            "merged_at": _stamp(pr.merged_at),
            "closed_at": _stamp(pr.merged_at),
            "base": {
                "ref": pr.base_ref,
                "repo": {
                    "full_name": pr.repository,
                    "name": pr.repository.split("/")[1],
                    "owner": self._user(owner),
                    "default_branch": self.default_branches.get(pr.repository, "main"),
                },
            },
            "head": {"ref": f"feature-{pr.number}"},
            "additions": pr.additions,
            "deletions": pr.deletions,
            "changed_files": 1,
            "commits": len(pr.commits),
        }

    def _commit(self, pr: PullRequest, index: int, commit: Commit) -> dict:
        return {
            "sha": f"{pr.number:08x}{index:032x}",
            "commit": {
                "message": commit.message,
                "author": {"name": commit.author_name, "email": commit.author_email, "date": _stamp(pr.merged_at)},
                "committer": {"name": "GitHub", "email": "noreply@github.com", "date": _stamp(pr.merged_at)},
            },
            "author": self._user(commit.author_login) if commit.author_login else None,
        }

    def _review(self, pr: PullRequest, index: int, review: tuple[str, str]) -> dict:
        login, state = review
        return {"id": pr.number * 100 + index, "user": self._user(login), "state": state, "body": ""}

    def _profile(self, login: str) -> dict:
        return {**self._user(login), "name": login.title(), "email": self.profile_emails.get(login)}

    # ------------------------------------------------------------------ routes

    def _org(self, org: str) -> None:
        if org.lower() != self.org.lower():
            raise ApiError(404)

    def _seats(self, request: ReceivedRequest, org: str) -> Reply:
        self._org(org)
        page, per_page = self._page_args(request)
        last = max((len(self.seats) + per_page - 1) // per_page, 1)
        body = {"total_seats": len(self.seats), "seats": self.seats[(page - 1) * per_page : page * per_page]}
        return Reply(200, body, self._link(request, page, last))

    def _users_report(self, request: ReceivedRequest, org: str) -> Reply:
        self._org(org)
        try:
            day = date.fromisoformat(request.value("day") or "")
        except ValueError:
            raise ApiError(422, "day must be YYYY-MM-DD") from None
        rows = self.copilot_rows.get(day)
        if rows is None:
            raise ApiError(404, "No report available for the requested day")
        parts = max(self.files_per_report, 1)
        links = []
        for index in range(parts):
            path = f"/copilot-reports/{org}/users-1-day/{day}/part-{index}.ndjson"
            self.downloads.files[path] = "".join(json.dumps(row) + "\n" for row in rows[index::parts])
            links.append(f"{self.downloads.origin}{path}?sv=2025-01-05&se={day}T23%3A59%3A59Z&sig=c2lnbmVk")
        return Reply(200, {"download_links": links, "report_day": day.isoformat()})

    def _page_args(self, request: ReceivedRequest) -> tuple[int, int]:
        try:
            per_page = min(int(request.value("per_page") or 30), 100)
            page = max(int(request.value("page") or 1), 1)
        except ValueError:
            raise ApiError(422) from None
        return page, per_page

    def _link(self, request: ReceivedRequest, page: int, last: int) -> dict:
        if last <= 1:
            return {}
        base = self._url(request.path)
        links = []
        if page < last:
            links.append(f'<{base}?page={page + 1}>; rel="next"')
        links.append(f'<{base}?page={last}>; rel="last"')
        return {"Link": ", ".join(links)}

    def _paged(self, request: ReceivedRequest, rows: list[dict]) -> Reply:
        page, per_page = self._page_args(request)
        last = max((len(rows) + per_page - 1) // per_page, 1)
        return Reply(200, rows[(page - 1) * per_page : page * per_page], self._link(request, page, last))

    def _search(self, request: ReceivedRequest) -> Reply:
        query = request.value("q") or ""
        words = query.split()
        org = next((w.split(":", 1)[1] for w in words if w.startswith("org:")), None)
        merged = _MERGED.search(query)
        if "is:pr" not in words or "is:merged" not in words or org is None or merged is None:
            raise ApiError(422, "this fake answers only is:pr is:merged org:ORG merged:A..B")
        start, end = _time(merged["start"]), _time(merged["end"])
        found = sorted(
            (
                pr
                for pr in self.pulls.values()
                if pr.repository.split("/")[0].lower() == org.lower() and start <= pr.merged_at <= end
            ),
            key=lambda pr: (pr.merged_at, pr.repository, pr.number),
        )
        page, per_page = self._page_args(request)
        if page * per_page > SEARCH_CAP:
            raise ApiError(422, "Only the first 1000 search results are available")
        items = [self._issue_item(pr) for pr in found[(page - 1) * per_page : page * per_page]]
        last = max((min(len(found), SEARCH_CAP) + per_page - 1) // per_page, 1)
        return Reply(
            200,
            {"total_count": len(found), "incomplete_results": False, "items": items},
            self._link(request, page, last),
        )
