"""The Slack Web API client: our base URL, and retries for 429 (Retry-After), 5xx and dropped connections."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.settings import Settings

SLACK_TIMEOUT_S = 10


def retry_handlers():
    return [
        RateLimitErrorRetryHandler(max_retry_count=2),
        ServerErrorRetryHandler(max_retry_count=2),
        ConnectionErrorRetryHandler(max_retry_count=2),
    ]


def build_web_client(settings: Settings, *, token: str | None = None) -> WebClient:
    """A WebClient for the configured workspace; `token` overrides the bot token (tests, demo)."""
    if token is None and settings.slack_bot_token is not None:
        token = settings.slack_bot_token.get_secret_value()
    base_url = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    return WebClient(token=token, base_url=base_url, timeout=SLACK_TIMEOUT_S, retry_handlers=retry_handlers())
