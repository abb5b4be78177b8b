"""One GitHub REST connection through githubkit, shared by the evidence sync and the Copilot sync.

Settings: GITHUB_TOKEN, GITHUB_ORG, GITHUB_API_URL. Rate limits (403/429 with Retry-After or
x-ratelimit-reset) are waited out by githubkit's retry decision, 5xx retried; any other failure raises
ProviderError naming the request, never the token.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from githubkit import GitHub
from githubkit.exception import GitHubException, RequestFailed
from githubkit.retry import RetryChainDecision, RetryRateLimit, RetryServerError
from githubkit.typing import RetryOption

from bot.ingest.provider_api import MissingKey, ProviderError
from bot.settings import Settings

RATE_LIMIT_RETRIES = 5
MIN_RATE_LIMIT_WAIT = timedelta(seconds=1)


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


class GitHubApi:
    """githubkit's client for one organisation, with failures turned into ProviderError."""

    def __init__(self, github: GitHub[Any], org: str, token: str) -> None:
        self.github = github
        self.org = org
        self._token = token

    @classmethod
    def from_settings(
        cls, settings: Settings, *, needs: str, rate_limit_retries: int = RATE_LIMIT_RETRIES
    ) -> GitHubApi:
        """`needs`: what the token must be able to read and what the organisation is for (the missing-setting text)."""
        token = settings.github_token.get_secret_value() if settings.github_token else ""
        if not token:
            raise MissingKey(f"GITHUB_TOKEN is not set: a token that can read the organisation's {needs}")
        if not settings.github_org:
            raise MissingKey(f"GITHUB_ORG is not set: the organisation whose {needs} count")
        github = GitHub(
            token,
            base_url=settings.github_api_url,
            http_cache=False,
            timeout=30.0,
            auto_retry=RetryChainDecision(WaitOutRateLimits(rate_limit_retries), RetryServerError()),
        )
        # Inside githubkit's context one HTTP client (one connection pool) serves every request of the sync.
        github.__enter__()  # type: ignore[no-untyped-call]
        return cls(github, settings.github_org, token)

    def close(self) -> None:
        self.github.__exit__()

    def mask(self, text: str) -> str:
        return (text.replace(self._token, "***") if self._token else text)[:300]

    def call(self, what: str, request: Callable[[], Any], *, missing_ok: bool = False) -> Any:
        """`request()`'s JSON; with `missing_ok` a 404 answers None."""
        return self.call_paged(what, request, missing_ok=missing_ok)[0]

    def call_paged(self, what: str, request: Callable[[], Any], *, missing_ok: bool = False) -> tuple[Any, bool]:
        """`request()`'s JSON, and whether its `Link` header names a next page."""
        try:
            response = request()
            return response.json(), 'rel="next"' in response.headers.get("link", "")
        except RequestFailed as exc:
            if missing_ok and exc.response.status_code == 404:
                return None, False
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
        raise ProviderError(self.mask(text)) from None
