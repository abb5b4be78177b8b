"""Text rules shared by services and renderers: Slack's mrkdwn escape and cutting to a length."""

from __future__ import annotations


def escape(text: str | None) -> str:
    """Escape Slack's control characters (&, <, >) so `<!channel>` stays text."""
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
