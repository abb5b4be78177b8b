"""Block Kit for the "what did you build?" DM, its reminder, and the DM once answered. Pure."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from bot.domain.artifacts import NOTHING_REASONS
from bot.domain.money import format_tokens, format_usd
from bot.domain.nudges import NudgeAnswer
from bot.domain.periods import IsoWeek
from bot.domain.privacy import who_sees_your_numbers
from bot.slack.blocks.text import context, escape, section

OPEN_SHARE_MODAL = "open_share_modal"
NOTHING_TO_SHOW = "nudge_nothing_to_show"
REMIND_LATER = "nudge_remind_later"
ACTIONS_BLOCK = "nudge_actions"


def share_button(week: IsoWeek | None, *, label: str = "Share what I built", primary: bool = True) -> dict:
    """The button that opens the share modal (nudge DM, App Home, digest). `week` None = the current week."""
    button = {
        "type": "button",
        "action_id": OPEN_SHARE_MODAL,
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "value": json.dumps({"week": str(week)} if week else {}),
    }
    if primary:
        button["style"] = "primary"
    return button


def _buttons(week: IsoWeek, *, with_remind: bool) -> dict:
    elements = [
        share_button(week),
        {
            "type": "button",
            "action_id": NOTHING_TO_SHOW,
            "text": {"type": "plain_text", "text": "Nothing to show yet"},
            "value": str(week),
        },
    ]
    if with_remind:
        elements.append(
            {
                "type": "button",
                "action_id": REMIND_LATER,
                "text": {"type": "plain_text", "text": "Remind me later"},
                "value": str(week),
            }
        )
    return {"type": "actions", "block_id": ACTIONS_BLOCK, "elements": elements}


def _usage_sentence(week: IsoWeek, tokens: int, spend_usd: Decimal, rank: int | None, ranked: int | None) -> str:
    standing = f", #{rank} of {ranked} people by spend" if rank and ranked else ""
    return (
        f"In {week.label()} you used *{format_tokens(tokens)} tokens* of AI models, "
        f"about *{format_usd(spend_usd)}*{standing}."
    )


def nudge_message(
    week: IsoWeek,
    tokens: int,
    spend_usd: Decimal,
    rank: int | None,
    ranked: int | None,
    *,
    spend_public: bool = False,
) -> dict:
    """The weekly DM: the person's numbers in plain words and three buttons."""
    usage = _usage_sentence(week, tokens, spend_usd, rank, ranked)
    return {
        "text": f"What did you build with AI in {week.label()}?",
        "blocks": [
            section(f"Hi! {usage}"),
            section("*What did it build?* A tool, an analysis, a document, a fix — anything counts."),
            _buttons(week, with_remind=True),
            context(f"{who_sees_your_numbers(spend_public)} Turn these DMs off in the app's Home tab."),
        ],
    }


def reminder_message(week: IsoWeek, tokens: int, spend_usd: Decimal) -> dict:
    """The one reminder after "Remind me later" (no second snooze)."""
    return {
        "text": f"Reminder: what did you build with AI in {week.label()}?",
        "blocks": [
            section(
                f"A reminder, as you asked: in {week.label()} you used *{format_tokens(tokens)} tokens* "
                f"(about *{format_usd(spend_usd)}*). What did it build?"
            ),
            _buttons(week, with_remind=False),
        ],
    }


def answered_message(week: IsoWeek, tokens: int, spend_usd: Decimal, outcome: str) -> dict:
    """The DM after the person answered: the numbers stay, the buttons give way to the outcome."""
    return {
        "text": f"{week.label()}: {outcome}",
        "blocks": [
            section(_usage_sentence(week, tokens, spend_usd, None, None)),
            context(outcome),
        ],
    }


def shared_outcome(title: str) -> str:
    return f":white_check_mark: You shared *{escape(title)}*. Thank you! It is on your App Home."


def nothing_outcome(reason: str, reason_text: str | None) -> str:
    label = NOTHING_REASONS.get(reason, reason)
    detail = f" — {escape(reason_text)}" if reason_text else ""
    return f":ok_hand: Noted: nothing to show yet ({escape(label)}{detail}). That is a fine answer."


def snoozed_outcome(remind_at: datetime) -> str:
    return f":alarm_clock: I'll remind you once on {remind_at:%A} {remind_at.day} {remind_at:%b}."


def answer_text(answer: NudgeAnswer) -> str:
    """What the DM says in place of its buttons once the person answered."""
    if answer.kind == "shared":
        return shared_outcome(answer.title or "")
    if answer.kind == "snoozed" and answer.remind_at is not None:
        return snoozed_outcome(answer.remind_at)
    return nothing_outcome(answer.reason or "other", answer.reason_text)


ALREADY_ANSWERED = "You already answered for this week. Thank you!"
ALREADY_SNOOZED = "You asked for a reminder already; it comes once."


def answer_reply(status: str, answer: NudgeAnswer | None) -> str:
    """The ephemeral reply to a nudge button: what was recorded, or why nothing changed."""
    if status == "already_answered":
        return ALREADY_ANSWERED
    if status == "already_snoozed" or answer is None:
        return ALREADY_SNOOZED
    return answer_text(answer)
