"""Block Kit for the share modal, the "nothing to show yet" modal and the showcase post. Pure."""

from __future__ import annotations

import json
from decimal import Decimal

from bot.domain.artifacts import DESCRIPTION_MAX, KINDS, NOTHING_REASONS, REASON_TEXT_MAX, TITLE_MAX, URL_MAX
from bot.domain.periods import IsoWeek
from bot.domain.reports import ArtifactView
from bot.slack.blocks.endorse import endorse_button
from bot.slack.blocks.text import context, escape, link, section, truncate

SHARE_MODAL = "share_artifact_modal"
NOTHING_MODAL = "nothing_to_show_modal"
VALUE = "value"  # the action_id of every input in these modals


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


def _option(value: str, label: str) -> dict:
    return {"text": _plain(label), "value": value}


def _text_input(
    block_id: str, label: str, *, max_length: int, optional: bool = False, multiline: bool = False, initial=None
) -> dict:
    element: dict = {"type": "plain_text_input", "action_id": VALUE, "max_length": max_length, "multiline": multiline}
    if initial:
        element["initial_value"] = str(initial)[:max_length]
    return {"type": "input", "block_id": block_id, "label": _plain(label), "optional": optional, "element": element}


def share_modal(week: IsoWeek, artifact: ArtifactView | None = None) -> dict:
    """The "Share what you built" modal for `week`; prefilled when editing `artifact`."""
    kind_select: dict = {
        "type": "static_select",
        "action_id": VALUE,
        "placeholder": _plain("Choose one"),
        "options": [_option(key, label) for key, label in KINDS.items()],
    }
    hours: dict = {"type": "number_input", "action_id": VALUE, "is_decimal_allowed": True, "min_value": "0"}
    post: dict = {
        "type": "checkboxes",
        "action_id": VALUE,
        "options": [_option("yes", "Post it in the digest channel")],
    }
    if artifact is not None:
        if artifact.kind in KINDS:
            kind_select["initial_option"] = _option(artifact.kind, KINDS[artifact.kind])
        if artifact.hours_saved_per_week is not None:
            hours["initial_value"] = format(artifact.hours_saved_per_week.normalize(), "f")
        if artifact.share_in_channel:
            post["initial_options"] = post["options"]
    metadata = {"week": str(week)}
    if artifact is not None:
        metadata["artifact_id"] = artifact.id
    return {
        "type": "modal",
        "callback_id": SHARE_MODAL,
        "private_metadata": json.dumps(metadata),
        "title": _plain("Share what you built" if artifact is None else "Edit what you built"),
        "submit": _plain("Share" if artifact is None else "Save"),
        "close": _plain("Cancel"),
        "blocks": [
            context(f"For {week.label()}. Your spend that week is stored beside it; only you and your managers see it"),
            _text_input("title", "Title", max_length=TITLE_MAX, initial=artifact.title if artifact else None),
            _text_input("url", "Link", max_length=URL_MAX, optional=True, initial=artifact.url if artifact else None),
            _text_input(
                "description",
                "What it does and for whom",
                max_length=DESCRIPTION_MAX,
                multiline=True,
                initial=artifact.description if artifact else None,
            ),
            {"type": "input", "block_id": "kind", "label": _plain("Kind"), "element": kind_select},
            {
                "type": "input",
                "block_id": "hours_saved",
                "label": _plain("Hours saved per week"),
                "optional": True,
                "element": hours,
            },
            {
                "type": "input",
                "block_id": "share_in_channel",
                "label": _plain("Showcase"),
                "optional": True,
                "element": post,
            },
        ],
    }


def nothing_modal(week: IsoWeek) -> dict:
    """Asks why there is nothing to show yet."""
    return {
        "type": "modal",
        "callback_id": NOTHING_MODAL,
        "private_metadata": json.dumps({"week": str(week)}),
        "title": _plain("Nothing to show yet"),
        "submit": _plain("Send"),
        "close": _plain("Cancel"),
        "blocks": [
            section(f"That's a legitimate answer for {week.label()}. What fits best?"),
            {
                "type": "input",
                "block_id": "reason",
                "label": _plain("Reason"),
                "element": {
                    "type": "radio_buttons",
                    "action_id": VALUE,
                    "options": [_option(key, label) for key, label in NOTHING_REASONS.items()],
                },
            },
            _text_input(
                "reason_text",
                "Anything to add? (needed for Other)",
                max_length=REASON_TEXT_MAX,
                optional=True,
                multiline=True,
            ),
        ],
    }


def form_values(state: dict) -> dict:
    """A submitted view's `state.values` as {block_id: value} (text, selected option value, or checked)."""
    values: dict = {}
    for block_id, actions in (state.get("values") or {}).items():
        element = actions.get(VALUE) or next(iter(actions.values()), {})
        kind = element.get("type")
        if kind in ("static_select", "radio_buttons"):
            values[block_id] = (element.get("selected_option") or {}).get("value")
        elif kind == "checkboxes":
            values[block_id] = bool(element.get("selected_options"))
        else:
            values[block_id] = element.get("value")
    return values


def showcase_message(
    author: str,
    title: str,
    url: str | None,
    description: str,
    kind: str,
    hours: Decimal | None,
    *,
    artifact_id: int | None = None,
    endorsements: int = 0,
) -> dict:
    """The digest-channel post when someone asks for it. `author` is a mention or "A colleague".

    With a link (something colleagues can open and use) it carries the "I use this" button and its count.
    """
    facts = [KINDS.get(kind, kind)]
    if hours:
        facts.append(f"saves about {hours.normalize():f} h a week")
    blocks = [
        section(f":hammer_and_wrench: {author} shared *{link(url, title)}*"),
        section(escape(truncate(description, 600))),
    ]
    if url and artifact_id is not None:
        blocks.append({"type": "actions", "elements": [endorse_button(artifact_id, endorsements)]})
    blocks.append(context(" · ".join(escape(f) for f in facts) + " · share yours with `/buildboard share`"))
    return {"text": f"{author} shared what they built: {escape(title)}", "blocks": blocks}
