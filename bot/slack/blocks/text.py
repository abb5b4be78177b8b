"""Safe text for Block Kit: user text is escaped so it cannot mention @channel or break formatting."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.text import escape, truncate  # the builders' escape is the one services use

SECTION_LIMIT = 3000
MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100


def mention(slack_user_id: str | None, name: str | None) -> str:
    """A Slack mention when we know the id, else the escaped name."""
    if slack_user_id:
        return f"<@{slack_user_id}>"
    return escape(name or "someone")


def link(url: str | None, label: str) -> str:
    if not url:
        return escape(label)
    safe_url = url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
    return f"<{safe_url}|{escape(label).replace('|', '¦')}>"


def percent_change(change: Decimal | None) -> str:
    if change is None:
        return "new"
    arrow = "▲" if change > 0 else ("▼" if change < 0 else "＝")
    return f"{arrow} {abs(change) * 100:.0f}%"


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, SECTION_LIMIT)}}


def fields_section(fields: list[str]) -> dict:
    return {"type": "section", "fields": [{"type": "mrkdwn", "text": truncate(f, 2000)} for f in fields[:10]]}


def header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": truncate(text, 150), "emoji": True}}


def context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, 3000)}]}


def divider() -> dict:
    return {"type": "divider"}


def units(value: Decimal) -> str:
    """'3', '1.5': work units without trailing zeros."""
    return f"{Decimal(value).normalize():f}"


def work_units_label(value: Decimal) -> str:
    """'1 work unit', '2.5 work units': the unit named, in the right number."""
    return f"{units(value)} work unit{'' if Decimal(value) == 1 else 's'}"
