"""Block Kit as readable plain text: what `buildboard digest --dry-run` and the demo print."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


def text_of(obj: Any) -> str:
    """The string of a text object ({"type": "mrkdwn", "text": ...}) or a plain string."""
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return "" if obj is None else str(obj)


_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


def _plain(text: str, names: Mapping[str, str] | None = None) -> str:
    """Slack mrkdwn → terminal text: links, mentions (as names, when `names` knows the id) and entities."""

    def replace(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("@"):
            return "@" + (label or (names or {}).get(target[1:]) or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            if label:
                return label
            word = target[1:].split("^")[0]
            return "@" + word
        if label and label != target:
            return f"{label} ({target})"
        return target

    text = _LINK.sub(replace, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _element_label(element: dict, names: Mapping[str, str] | None = None) -> str:
    kind = element.get("type")
    if kind == "button":
        return f"[ {_plain(text_of(element.get('text')), names)} ]"
    if kind == "image":
        return f"[image: {element.get('alt_text', '')}]"
    if kind in {"mrkdwn", "plain_text"}:
        return _plain(text_of(element), names)
    if kind == "overflow":
        return "[ ... ]"
    if kind in {"datepicker", "timepicker", "datetimepicker"}:
        initial = element.get("initial_date") or element.get("initial_time") or ""
        return f"[ {initial or kind} ]"
    placeholder = text_of(element.get("placeholder"))
    initial = element.get("initial_option")
    if isinstance(initial, dict):
        placeholder = text_of(initial.get("text"))
    return f"[ {placeholder or kind} v ]"


def _rich_text(elements: list, names: Mapping[str, str] | None = None) -> str:
    out: list[str] = []
    for element in elements or []:
        kind = element.get("type")
        if kind in {"rich_text_section", "rich_text_preformatted", "rich_text_quote"}:
            out.append(_rich_text(element.get("elements") or [], names))
        elif kind == "rich_text_list":
            for item in element.get("elements") or []:
                out.append("\n- " + _rich_text(item.get("elements") or [], names))
        elif kind == "text":
            out.append(element.get("text", ""))
        elif kind == "link":
            out.append(element.get("text") or element.get("url", ""))
        elif kind == "user":
            user = element.get("user_id", "")
            out.append("@" + (names or {}).get(user, user))
        elif kind == "channel":
            out.append("#" + element.get("channel_id", ""))
        elif kind == "emoji":
            out.append(f":{element.get('name', '')}:")
    return "".join(out)


def render_message(msg: dict, names: Mapping[str, str] | None = None) -> str:
    """A posted message's Block Kit blocks as readable terminal text (falls back to `text`).

    `names` (Slack id → name) shows mentions as the names people know instead of Slack ids.
    """
    blocks = msg.get("blocks") or []
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(_plain(text_of(block.get("text")), names).upper())
        elif kind == "section":
            text = _plain(text_of(block.get("text")), names)
            accessory = block.get("accessory")
            if isinstance(accessory, dict):
                text = f"{text}  {_element_label(accessory, names)}".strip()
            if text:
                lines.append(text)
            for item in block.get("fields") or []:
                lines.append("  " + _plain(text_of(item), names))
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "context":
            lines.append("  " + " | ".join(_element_label(e, names) for e in block.get("elements") or []))
        elif kind == "actions":
            lines.append(" ".join(_element_label(e, names) for e in block.get("elements") or []))
        elif kind == "image":
            title = text_of(block.get("title"))
            lines.append(f"[image: {block.get('alt_text', '')}]" + (f" {title}" if title else ""))
        elif kind == "input":
            element = block.get("element") or {}
            lines.append(f"{_plain(text_of(block.get('label')), names)}: {_element_label(element, names)}")
        elif kind == "rich_text":
            lines.append(_rich_text(block.get("elements") or [], names))
        else:
            lines.append(f"[{kind}]")
    if lines:
        return "\n".join(lines)
    text = msg.get("text") or ""
    if not text:
        text = "\n".join(str(a.get("fallback") or a.get("text") or "") for a in msg.get("attachments") or [])
    return _plain(str(text), names)
