"""Block Kit for peer endorsement: the "I use this" button with its count, and the answers to a click. Pure."""

from __future__ import annotations

import copy

from bot.domain.evidence import Refusal

ENDORSE_ARTIFACT = "endorse_artifact"


def endorse_label(count: int) -> str:
    return f"I use this · {count}" if count else "I use this"


def endorse_button(artifact_id: int, count: int) -> dict:
    """The button on an artifact with a link; its label carries the number of colleagues who use it."""
    return {
        "type": "button",
        "action_id": ENDORSE_ARTIFACT,
        "text": {"type": "plain_text", "text": endorse_label(count), "emoji": True},
        "value": str(artifact_id),
    }


def with_endorsement_count(blocks: list[dict], artifact_id: int, count: int) -> list[dict] | None:
    """`blocks` (a posted message's) with the artifact's button showing `count`; None when it has no such button."""
    updated = copy.deepcopy(blocks)
    found = False
    for block in updated:
        for element in [block.get("accessory"), *(block.get("elements") or [])]:
            if (
                isinstance(element, dict)
                and element.get("action_id") == ENDORSE_ARTIFACT
                and element.get("value") == str(artifact_id)
            ):
                element["text"] = {"type": "plain_text", "text": endorse_label(count), "emoji": True}
                found = True
    return updated if found else None


def endorsed_text(count: int) -> str:
    others = count - 1
    tail = f" You and {others} colleague{'s' if others != 1 else ''} use it." if others else ""
    return f":raised_hands: Thanks: your endorsement counts for its author this week.{tail}"


def refusal_text(refusal: Refusal) -> str:
    return f":no_entry_sign: {refusal.value}"
