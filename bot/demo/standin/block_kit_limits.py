"""Slack's Block Kit limits, checked the way Slack checks them, with Slack-style error messages.

The stand-in refuses what Slack would refuse (`invalid_blocks`, `msg_blocks_too_long`), and tests
check builders' output against the same rules.
"""

from __future__ import annotations

from typing import Any

from bot.slack.blocks.plain_text import text_of

# Limits Slack enforces (https://docs.slack.dev/reference/block-kit/blocks and the method pages).
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_ID_LENGTH = 255
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
# msg_blocks_too_long has been seen at about 13k characters of block text in a message.
MAX_BLOCK_TEXT_TOTAL = 13000
MAX_MESSAGE_TEXT = 40000
MAX_VIEW_TITLE = 24
MAX_PRIVATE_METADATA = 3000
MAX_ALT_TEXT = 2000


def block_text_total(value: Any) -> int:
    """Sum of every "text" string inside the blocks: what msg_blocks_too_long is about."""
    if isinstance(value, list):
        return sum(block_text_total(item) for item in value)
    if isinstance(value, dict):
        total = 0
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                total += len(item)
            else:
                total += block_text_total(item)
        return total
    return 0


def _element_errors(element: Any, pointer: str) -> list[str]:
    errors: list[str] = []
    if not isinstance(element, dict):
        return [f"[ERROR] must be an object [json-pointer:{pointer}]"]
    if len(str(element.get("action_id", ""))) > MAX_ID_LENGTH:
        errors.append(f"[ERROR] must be less than {MAX_ID_LENGTH + 1} characters [json-pointer:{pointer}/action_id]")
    if element.get("type") == "button" and len(text_of(element.get("text"))) > MAX_BUTTON_TEXT:
        errors.append(f"[ERROR] must be less than {MAX_BUTTON_TEXT + 1} characters [json-pointer:{pointer}/text]")
    return errors


def _image_errors(block: dict, pointer: str) -> list[str]:
    """An image block: alt text, and its picture from exactly one of image_url and slack_file ({"id"} or {"url"})."""
    errors: list[str] = []
    alt_text = block.get("alt_text")
    if not isinstance(alt_text, str) or not alt_text:
        errors.append(f"[ERROR] missing required field: alt_text [json-pointer:{pointer}]")
    elif len(alt_text) > MAX_ALT_TEXT:
        errors.append(f"[ERROR] must be less than {MAX_ALT_TEXT + 1} characters [json-pointer:{pointer}/alt_text]")
    slack_file = block.get("slack_file")
    if ("image_url" in block) == (slack_file is not None):
        errors.append(f"[ERROR] must provide either image_url or slack_file [json-pointer:{pointer}]")
    elif slack_file is not None and (
        not isinstance(slack_file, dict) or not (slack_file.get("id") or slack_file.get("url"))
    ):
        errors.append(f"[ERROR] must provide either id or url [json-pointer:{pointer}/slack_file]")
    return errors


def slack_file_ids(blocks: Any) -> list[str]:
    """The file ids image blocks refer to (`slack_file: {"id": ...}`)."""
    if not isinstance(blocks, list):
        return []
    return [
        str(b["slack_file"]["id"])
        for b in blocks
        if isinstance(b, dict)
        and b.get("type") == "image"
        and isinstance(b.get("slack_file"), dict)
        and b["slack_file"].get("id")
    ]


def block_errors(blocks: Any, max_blocks: int, root: str) -> list[str]:
    """Slack-style error messages for Block Kit limits the bot could plausibly hit."""
    if not isinstance(blocks, list):
        return [f"[ERROR] must be an array [json-pointer:{root}]"]
    errors: list[str] = []
    if len(blocks) > max_blocks:
        errors.append(f"[ERROR] no more than {max_blocks} items allowed [json-pointer:{root}]")
    for index, block in enumerate(blocks):
        pointer = f"{root}/{index}"
        if not isinstance(block, dict) or not block.get("type"):
            errors.append(f"[ERROR] missing required field: type [json-pointer:{pointer}]")
            continue
        kind = block["type"]
        if len(str(block.get("block_id", ""))) > MAX_ID_LENGTH:
            errors.append(f"[ERROR] must be less than {MAX_ID_LENGTH + 1} characters [json-pointer:{pointer}/block_id]")
        if kind == "section":
            text = block.get("text")
            fields = block.get("fields")
            if text is None and not fields:
                errors.append(f"[ERROR] must provide either text or fields [json-pointer:{pointer}]")
            if len(text_of(text)) > MAX_SECTION_TEXT:
                errors.append(
                    f"[ERROR] must be less than {MAX_SECTION_TEXT + 1} characters [json-pointer:{pointer}/text/text]"
                )
            if fields:
                if len(fields) > MAX_SECTION_FIELDS:
                    errors.append(
                        f"[ERROR] no more than {MAX_SECTION_FIELDS} items allowed [json-pointer:{pointer}/fields]"
                    )
                for f_index, item in enumerate(fields):
                    if len(text_of(item)) > MAX_FIELD_TEXT:
                        errors.append(
                            f"[ERROR] must be less than {MAX_FIELD_TEXT + 1} characters "
                            f"[json-pointer:{pointer}/fields/{f_index}/text]"
                        )
            if block.get("accessory") is not None:
                errors.extend(_element_errors(block["accessory"], f"{pointer}/accessory"))
        elif kind == "header":
            if len(text_of(block.get("text"))) > MAX_HEADER_TEXT:
                errors.append(
                    f"[ERROR] must be less than {MAX_HEADER_TEXT + 1} characters [json-pointer:{pointer}/text/text]"
                )
        elif kind == "context":
            elements = block.get("elements") or []
            if not elements or len(elements) > MAX_CONTEXT_ELEMENTS:
                errors.append(f"[ERROR] must have 1 to {MAX_CONTEXT_ELEMENTS} items [json-pointer:{pointer}/elements]")
        elif kind == "actions":
            elements = block.get("elements") or []
            if not elements or len(elements) > MAX_ACTIONS_ELEMENTS:
                errors.append(f"[ERROR] must have 1 to {MAX_ACTIONS_ELEMENTS} items [json-pointer:{pointer}/elements]")
            for e_index, element in enumerate(elements):
                errors.extend(_element_errors(element, f"{pointer}/elements/{e_index}"))
        elif kind == "image":
            errors.extend(_image_errors(block, pointer))
        elif kind == "input":
            if block.get("element") is None:
                errors.append(f"[ERROR] missing required field: element [json-pointer:{pointer}]")
            else:
                errors.extend(_element_errors(block["element"], f"{pointer}/element"))
    return errors


def view_errors(view: Any) -> list[str]:
    """Slack-style error messages for a modal or Home view (its blocks included)."""
    if not isinstance(view, dict):
        return ["[ERROR] must be an object [json-pointer:/view]"]
    errors: list[str] = []
    kind = view.get("type")
    if kind not in {"modal", "home"}:
        errors.append("[ERROR] must be one of modal, home [json-pointer:/view/type]")
    errors.extend(block_errors(view.get("blocks", []), MAX_VIEW_BLOCKS, "/view/blocks"))
    if kind == "modal":
        if not text_of(view.get("title")):
            errors.append("[ERROR] missing required field: title [json-pointer:/view/title]")
        for key in ("title", "submit", "close"):
            if len(text_of(view.get(key))) > MAX_VIEW_TITLE:
                errors.append(f"[ERROR] must be less than {MAX_VIEW_TITLE + 1} characters [json-pointer:/view/{key}]")
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or [])
        if has_input and not view.get("submit"):
            errors.append("[ERROR] must provide a submit property when an input block is present [json-pointer:/view]")
    if len(str(view.get("private_metadata", ""))) > MAX_PRIVATE_METADATA:
        errors.append(
            f"[ERROR] must be less than {MAX_PRIVATE_METADATA + 1} characters [json-pointer:/view/private_metadata]"
        )
    for key in ("callback_id", "external_id"):
        if len(str(view.get(key, ""))) > MAX_ID_LENGTH:
            errors.append(f"[ERROR] must be less than {MAX_ID_LENGTH + 1} characters [json-pointer:/view/{key}]")
    return errors
