"""The bot's identity from Slack's auth.test, cached, and whether Slack's Web API answers at all.

Bolt's own single-workspace authorization calls auth.test on the first request and lets a connection
error escape as a 500, so a slash command gets no ack while Slack's API is unreachable. Here an
unreachable API is remembered for a short while and requests go on with the configured bot token.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 2.0  # an ack must leave within 3 s: never wait longer than this for auth.test
RECHECK_REACHABLE_S = 60.0
RECHECK_UNREACHABLE_S = 15.0
FIRST_HEALTH_WAIT_S = 1.0


class SlackIdentity:
    """auth.test, asked rarely: its answer is kept, and so (briefly) is the fact that Slack did not answer."""

    def __init__(self, client: WebClient, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        # Its own client: a short timeout and no connection retries, so a dead network costs one quick try.
        self._probe = WebClient(
            token=client.token, base_url=client.base_url, timeout=PROBE_TIMEOUT_S, retry_handlers=[]
        )
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._identity: SlackResponse | None = None
        self._reachable: bool | None = None
        self._checked_at: float | None = None
        self._refreshing = False
        self._first_check = threading.Event()

    @property
    def token(self) -> str | None:
        return self._probe.token

    def _check(self) -> SlackResponse | None:
        """One auth.test; None when Slack's API did not answer. SlackApiError (a refused token) propagates."""
        try:
            response = self._probe.auth_test()
        except SlackApiError:
            self._record(True)
            raise
        except Exception as exc:  # a connection error or timeout: Slack is unreachable, not this request's fault
            log.warning("Slack's Web API is unreachable (%s)", type(exc).__name__)
            self._record(False)
            return None
        with self._lock:
            self._identity = response
        self._record(True)
        return response

    def _record(self, reachable: bool) -> None:
        with self._lock:
            self._reachable, self._checked_at = reachable, self._monotonic()
        self._first_check.set()

    def _stale(self) -> bool:
        if self._checked_at is None:
            return True
        age = self._monotonic() - self._checked_at
        return age >= (RECHECK_REACHABLE_S if self._reachable else RECHECK_UNREACHABLE_S)

    def identity(self) -> SlackResponse | None:
        """The bot's auth.test answer, or None while Slack cannot be reached (asked again after a pause)."""
        if self._identity is not None:
            return self._identity
        if self._reachable is False and not self._stale():
            return None
        return self._check()

    def authorize(self, enterprise_id: str | None, team_id: str | None, user_id: str | None) -> AuthorizeResult:
        """Bolt's `authorize`: the single workspace's bot token, with its ids when Slack has told them."""
        identity = self.identity()
        if identity is None:
            return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id, bot_token=self.token)
        return AuthorizeResult(
            enterprise_id=identity.get("enterprise_id"),
            team_id=identity.get("team_id"),
            bot_id=identity.get("bot_id"),
            bot_user_id=identity.get("user_id"),
            bot_token=self.token,
            user_id=user_id,
            bot_scopes=identity.headers.get("x-oauth-scopes"),
        )

    def api_status(self) -> str:
        """Slack's Web API: "reachable", "unreachable" or "unknown"; a cached answer, refreshed in the background."""
        start = False
        with self._lock:
            if self._stale() and not self._refreshing:
                self._refreshing = start = True
        if start:
            threading.Thread(target=self._refresh, name="slack-api-probe", daemon=True).start()
        if self._checked_at is None:
            self._first_check.wait(FIRST_HEALTH_WAIT_S)
        with self._lock:
            if self._reachable is None:
                return "unknown"
            return "reachable" if self._reachable else "unreachable"

    def _refresh(self) -> None:
        try:
            self._check()
        except SlackApiError:
            pass  # Slack answered: reachable (a refused token is the sender's slack_auth_error)
        finally:
            with self._lock:
                self._refreshing = False
