"""Block Kit for the idle-seat DM: friendly, private, an offer of help (never a reproach). Pure."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.domain.money import format_usd
from bot.slack.blocks.text import context, escape, section

TOOL_NAMES = {"cursor": "Cursor", "copilot": "GitHub Copilot", "claude": "Claude", "chatgpt": "ChatGPT"}


def idle_seat_message(seats: list[dict[str, Any]], idle_days: int) -> dict[str, Any]:
    """The DM's text and blocks from the intent's seats (tool, plan, monthly_usd, last_active_day)."""
    names = [TOOL_NAMES.get(s["tool"], s["tool"]) for s in seats]
    listed = " and ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + f" and {names[-1]}"
    lines = []
    for seat in seats:
        last = f"last used {seat['last_active_day']}" if seat.get("last_active_day") else "not used yet"
        price = f", {format_usd(Decimal(seat['monthly_usd']))} a month" if seat.get("monthly_usd") else ""
        lines.append(
            f"• *{escape(TOOL_NAMES.get(seat['tool'], seat['tool']))}* ({escape(seat['plan'])}{price}) — {last}"
        )
    text = f"Hi! You have a {listed} seat you haven't used in the last {idle_days} days. Want a hand getting started?"
    blocks = [
        section(
            f"Hi! :wave: You have a seat of {escape(listed)} that you haven't used in the last {idle_days} days:\n"
            + "\n".join(lines)
        ),
        section(
            "If it hasn't clicked yet, that's normal: reply here with what you work on and we'll point you to a "
            "colleague who uses it daily, or ask in your team's channel. If you don't need it, tell your manager "
            "so the seat can go to someone who does."
        ),
        context("Only you can see this message. At most one a month; turn these off with the switch in App Home."),
    ]
    return {"text": text, "blocks": blocks}
