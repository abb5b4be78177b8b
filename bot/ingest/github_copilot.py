"""GitHub Copilot: per-user daily activity and CLI tokens from the usage metrics reports, seats from billing.

Through githubkit (the connection of bot/ingest/github_client.py, shared with the evidence sync):
- `GET /orgs/{org}/copilot/metrics/reports/users-1-day?day=D` → `{"download_links": [...], "report_day": D}`;
  each link is a signed URL (any host) to an NDJSON file, downloaded with plain httpx and **without**
  the Authorization header. One row per user and day: `user_login`, `day`,
  `user_initiated_interaction_count`, `code_generation_activity_count`, `code_acceptance_activity_count`,
  `loc_added_sum`, `loc_deleted_sum`, `used_agent`, `used_chat`, `totals_by_feature[]` {`feature`,
  `user_initiated_interaction_count`}, and `totals_by_cli` {`request_count`, `token_usage`
  {`prompt_tokens_sum`, `output_tokens_sum`}} where the person used the Copilot CLI.
  A day GitHub has no report for (404: not processed yet, or before the org's metrics began) is skipped:
  nothing stored for it is removed, and the summary names it.
- `GET /orgs/{org}/copilot/billing/seats` (every page) → `seats[]` {`assignee.login`, `plan_type`,
  `last_activity_at`}.

Activity per person · day is stored beside Claude Code's and Cursor's (provider `copilot`): lines added
and deleted, agent interactions (features naming an agent) and the other (chat) interactions. CLI tokens
are usage rows (provider `github`, model from the row or `copilot`) costing $0 reported: the seat pays.

Logins become people by the people file's `github_login`, then by the email GitHub shows for the login
(a public profile email is one of the account's verified emails) when it is a person's; a login matched
by neither is kept as `<login>@users.noreply.github.com` and listed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Collection, Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol

import httpx

from bot.ingest.github_client import GitHubApi
from bot.ingest.provider_api import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_S, FetchedWindow, OnPage, ProviderError
from bot.ingest.records import CodeActivityRecord, SeatRecord, UsageRecord
from bot.settings import Settings

USERS_REPORT = "/orgs/{org}/copilot/metrics/reports/users-1-day"
SEATS = "/orgs/{org}/copilot/billing/seats"
SEATS_PAGE_SIZE = 100
ACTIVITY_PROVIDER = "copilot"  # code_activity_daily.provider
USAGE_PROVIDER = "github"  # usage_daily.provider (the seats file's provider for Copilot plans)
DEFAULT_MODEL = "copilot"
SEAT_TOOL = "copilot"
NOREPLY_DOMAIN = "users.noreply.github.com"


class LoginDirectory(Protocol):
    """The people file as the Copilot sync needs it (bot/services/sync.py gives the database's)."""

    def emails_of_logins(self, logins: Collection[str]) -> dict[str, str]:
        """login (lower case) → email of the person whose `github_login` it is."""
        ...

    def known_emails(self, emails: Collection[str]) -> set[str]:
        """Those of `emails` that are people of the people file."""
        ...


def placeholder_email(login: str) -> str:
    return f"{login}@{NOREPLY_DOMAIN}"


def _int(value: Any) -> int:
    if value is None or isinstance(value, bool):
        return 0
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


class CopilotUsage:
    """`buildboard usage sync copilot`."""

    name = "copilot"
    provider = USAGE_PROVIDER
    source = "copilot"
    window_days = 7
    activity_provider = ACTIVITY_PROVIDER
    activity_label = "Copilot activity"
    seat_tools = (SEAT_TOOL,)  # an empty seats list still speaks for Copilot: everyone's seat ended

    def __init__(
        self,
        api: GitHubApi,
        *,
        directory: LoginDirectory | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        downloads: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._api = api
        self.org = api.org
        self.directory = directory
        self._max_retries = max_retries
        self._sleep = sleep
        # Signed links carry their own authority: a plain client, never the token.
        self._downloads = downloads or httpx.Client(timeout=DEFAULT_TIMEOUT_S, follow_redirects=True)
        self._emails: dict[str, str | None] = {}  # login → email, or None: unmatched
        self._profile_emails: dict[str, str | None] = {}
        self._seats: list[tuple[str, str | None, date | None]] | None = None
        self.unmatched_logins: set[str] = set()
        self.seats_page_size = SEATS_PAGE_SIZE

    @classmethod
    def from_settings(cls, settings: Settings, *, max_retries: int = DEFAULT_MAX_RETRIES) -> CopilotUsage:
        api = GitHubApi.from_settings(settings, needs="Copilot usage metrics and seats", rate_limit_retries=max_retries)
        return cls(api, max_retries=max_retries)

    def close(self) -> None:
        self._downloads.close()
        self._api.close()

    # ------------------------------------------------------------------ fetching

    def fetch(self, since: date, until: date, on_page: OnPage | None = None) -> FetchedWindow:
        window = FetchedWindow(since, until)
        rows: list[dict[str, Any]] = []
        day = since
        while day <= until:
            rows.extend(self._report_rows(day, window, on_page))
            day += timedelta(days=1)
        seats = self._seat_list(window)
        logins = {str(r.get("user_login")).lower() for r in rows if r.get("user_login")} | {s[0] for s in seats}
        emails = self._resolve(logins)
        window.seats = [
            SeatRecord(email=emails[login], tool=SEAT_TOOL, plan=plan, last_active_day=last)
            for login, plan, last in seats
        ]
        activity: dict[tuple[date, str], CodeActivityRecord] = {}
        usage: dict[tuple[date, str, str], UsageRecord] = {}
        for row in rows:
            self._add_row(window, row, emails, activity, usage)
        window.activity.extend(activity.values())
        window.usage.extend(usage.values())
        window.unmatched_logins = {login for login in logins if login in self.unmatched_logins}
        return window

    def _report_rows(self, day: date, window: FetchedWindow, on_page: OnPage | None) -> list[dict[str, Any]]:
        path = USERS_REPORT.format(org=self.org)
        answer = self._api.call(
            f"GET {path}?day={day}",
            lambda: self._api.github.rest.copilot.copilot_organization_users_one_day_usage_metrics(self.org, day=day),
            missing_ok=True,
        )
        window.pages += 1
        if on_page is not None:
            on_page()
        if answer is None:
            window.days_without_report.add(day)  # not processed yet, or before the org's metrics began
            return []
        links = answer.get("download_links") if isinstance(answer, dict) else None
        if not isinstance(links, list):
            raise ProviderError(f"GET {path}?day={day}: unexpected answer (no download_links list)")
        rows: list[dict[str, Any]] = []
        for index, link in enumerate(links, start=1):
            rows.extend(self._download(str(link), f"Copilot users report for {day}, file {index} of {len(links)}"))
            window.pages += 1
        return rows

    def _download(self, url: str, what: str) -> Iterator[dict[str, Any]]:
        response: httpx.Response | None = None
        problem = ""
        for attempt in range(self._max_retries + 1):
            if attempt:
                self._sleep(min(2.0**attempt, 30.0))  # back off before trying the link again
            try:
                response = self._downloads.get(url)
            except httpx.HTTPError as exc:
                problem, response = f"could not download it ({type(exc).__name__})", None
                continue
            if response.status_code < 500 and response.status_code != 429:
                break
            problem = f"the download answered HTTP {response.status_code}"
        if response is None or response.status_code >= 400:
            if response is not None and response.status_code < 500 and response.status_code != 429:
                problem = f"the download answered HTTP {response.status_code} (the signed link may have expired)"
            raise ProviderError(self._api.mask(f"{what}: {problem}"))
        return self._ndjson(response.text, what)

    @staticmethod
    def _ndjson(text: str, what: str) -> Iterator[dict[str, Any]]:
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line, parse_float=Decimal)
            except ValueError:
                raise ProviderError(f"{what}: line {number} is not JSON") from None
            if isinstance(row, dict):
                rows.append(row)
        return iter(rows)

    def _seat_list(self, window: FetchedWindow) -> list[tuple[str, str | None, date | None]]:
        """(login, plan, last active day) of every seat, every page; read once per sync."""
        if self._seats is not None:
            return self._seats
        path = SEATS.format(org=self.org)
        seats: list[tuple[str, str | None, date | None]] = []
        page = 1
        while True:
            answer, more = self._api.call_paged(
                f"GET {path} page {page}",
                lambda page=page: self._api.github.rest.copilot.list_copilot_seats(  # type: ignore[misc]
                    self.org, page=page, per_page=self.seats_page_size
                ),
            )
            items = answer.get("seats") if isinstance(answer, dict) else None
            if not isinstance(items, list):
                raise ProviderError(f"GET {path}: unexpected answer (no seats list)")
            window.pages += 1
            for seat in items:
                assignee = seat.get("assignee") if isinstance(seat, dict) else None
                login = str((assignee or {}).get("login") or "").lower()
                if not login:
                    continue
                plan_type = seat.get("plan_type")
                last = seat.get("last_activity_at")
                seats.append((login, f"copilot_{plan_type}" if plan_type else None, _day(last) if last else None))
            if not more:  # the Link header names no next page
                break
            page += 1
        self._seats = seats
        return seats

    # ------------------------------------------------------------------ people

    def _resolve(self, logins: Collection[str]) -> dict[str, str]:
        """login → the email its records are stored under (a person's, or the login's placeholder)."""
        todo = sorted(login for login in logins if login not in self._emails)
        if todo:
            by_login = self.directory.emails_of_logins(todo) if self.directory is not None else {}
            self._emails.update(by_login)
            rest = [login for login in todo if login not in by_login]
            profile = {login: self._profile_email(login) for login in rest}
            known = (
                self.directory.known_emails({e for e in profile.values() if e}) if self.directory is not None else set()
            )
            for login in rest:
                email = profile[login]
                self._emails[login] = email if email in known else None
        found = {}
        for login in logins:
            email = self._emails.get(login)
            if email is None:
                self.unmatched_logins.add(login)
                email = placeholder_email(login)
            found[login] = email
        return found

    def _profile_email(self, login: str) -> str | None:
        if login not in self._profile_emails:
            answer = self._api.call(
                f"GET /users/{login}", lambda: self._api.github.rest.users.get_by_username(login), missing_ok=True
            )
            email = answer.get("email") if isinstance(answer, dict) else None
            self._profile_emails[login] = str(email).strip().lower() if email else None
        return self._profile_emails[login]

    # ------------------------------------------------------------------ rows

    def _add_row(
        self,
        window: FetchedWindow,
        row: dict[str, Any],
        emails: dict[str, str],
        activity: dict[tuple[date, str], CodeActivityRecord],
        usage: dict[tuple[date, str, str], UsageRecord],
    ) -> None:
        login = str(row.get("user_login") or "").lower()
        day = _day(row.get("day"))
        if not login or day is None or not window.since <= day <= window.until:
            return
        email = emails[login]
        interactions = _int(row.get("user_initiated_interaction_count"))
        features: list[Any] = _list(row.get("totals_by_feature"))
        agent: int = sum(
            _int(f.get("user_initiated_interaction_count"))
            for f in features
            if isinstance(f, dict) and "agent" in str(f.get("feature") or "")
        )
        agent = min(agent, interactions) if interactions else agent
        cli = _dict(row.get("totals_by_cli"))
        tokens = _dict(cli.get("token_usage"))
        prompt, output, requests = (
            _int(tokens.get("prompt_tokens_sum")),
            _int(tokens.get("output_tokens_sum")),
            _int(cli.get("request_count")),
        )
        counts = (
            interactions,
            _int(row.get("code_generation_activity_count")),
            _int(row.get("code_acceptance_activity_count")),
            _int(row.get("loc_added_sum")),
            _int(row.get("loc_deleted_sum")),
            requests,
        )
        if any(counts) or row.get("used_agent") or row.get("used_chat"):
            mine = activity.setdefault(
                (day, email), CodeActivityRecord(day=day, email=email, provider=ACTIVITY_PROVIDER)
            )
            mine.lines_added += counts[3]
            mine.lines_removed += counts[4]
            mine.agent_requests += agent
            mine.chat_requests += max(interactions - agent, 0)
        if prompt or output:
            model = str(row.get("model") or DEFAULT_MODEL)
            found = usage.get((day, email, model))
            if found is None:
                found = usage[(day, email, model)] = UsageRecord(
                    day=day, email=email, provider=USAGE_PROVIDER, model=model, input_tokens=0, output_tokens=0
                )
                found.cost_usd = Decimal(0)  # included in the seat, charged as the seat's cost
            found.input_tokens += prompt
            found.output_tokens += output
            found.requests += requests
