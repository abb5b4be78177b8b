"""Slack's interactive payloads and events, as Slack sends them to /slack/events (signed by SlackHttp)."""

from __future__ import annotations

import itertools
import json
import time
import urllib.parse

_seq = itertools.count(1)


def _user(user_id: str) -> dict:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": "T1"}


def send_payload(slack_http, payload: dict):
    """POST a form-encoded `payload=<json>` the way Slack posts interactivity."""
    return slack_http.post(urllib.parse.urlencode({"payload": json.dumps(payload)}))


def click(slack_http, user_id: str, action_id: str, value: str | None, *, message: dict | None = None):
    """A block_actions payload for a button click (in a message when `message` is given, else App Home)."""
    n = next(_seq)
    payload: dict = {
        "type": "block_actions",
        "user": _user(user_id),
        "api_app_id": "A1",
        "token": "legacy-verification-token-unused",
        "team": {"id": "T1", "domain": "demo"},
        "trigger_id": f"trig.click.{n}",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b",
                "value": value,
                "text": {"type": "plain_text", "text": "x"},
                "action_ts": f"1764000000.{n:06d}",
            }
        ],
    }
    if message is not None:
        payload.update(
            {
                "container": {"type": "message", "message_ts": message["ts"], "channel_id": message["channel"]},
                "channel": {"id": message["channel"], "name": "directmessage"},
                "message": {
                    "type": "message",
                    "ts": message["ts"],
                    "text": message["text"],
                    "blocks": message["blocks"],
                },
                "response_url": slack_http.slack.response_url("click"),
            }
        )
    else:
        payload.update({"container": {"type": "view", "view_id": "VHOME"}, "view": {"id": "VHOME", "type": "home"}})
    return send_payload(slack_http, payload), payload


def button(message: dict, action_id: str) -> dict:
    """The button `action_id` in a posted message's blocks."""
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return element
    raise AssertionError(f"no {action_id} button in {message.get('blocks')}")


def state_for_share(title="", url="", description="", kind=None, hours=None, share_in_channel=False) -> dict:
    """A share modal's state.values as Slack submits them."""
    return {
        "values": {
            "title": {"value": {"type": "plain_text_input", "value": title or None}},
            "url": {"value": {"type": "plain_text_input", "value": url or None}},
            "description": {"value": {"type": "plain_text_input", "value": description or None}},
            "kind": {
                "value": {
                    "type": "static_select",
                    "selected_option": {"value": kind, "text": {"type": "plain_text", "text": kind}} if kind else None,
                }
            },
            "hours_saved": {"value": {"type": "number_input", "value": hours}},
            "share_in_channel": {
                "value": {
                    "type": "checkboxes",
                    "selected_options": [{"value": "yes", "text": {"type": "plain_text", "text": "Post"}}]
                    if share_in_channel
                    else [],
                }
            },
        }
    }


def state_for_nothing(reason=None, text=None) -> dict:
    return {
        "values": {
            "reason": {
                "value": {
                    "type": "radio_buttons",
                    "selected_option": {"value": reason, "text": {"type": "plain_text", "text": reason}}
                    if reason
                    else None,
                }
            },
            "reason_text": {"value": {"type": "plain_text_input", "value": text}},
        }
    }


def submit(slack_http, user_id: str, opened_view: dict, state: dict):
    """A view_submission of a modal the bot opened (callback_id and private_metadata as Slack keeps them)."""
    n = next(_seq)
    view = {
        "id": opened_view.get("view_id", "V1"),
        "team_id": "T1",
        "type": "modal",
        "callback_id": opened_view["callback_id"],
        "private_metadata": opened_view.get("private_metadata", ""),
        "blocks": opened_view["blocks"],
        "state": state,
        "hash": "1.abc",
        "title": opened_view["title"],
    }
    payload = {
        "type": "view_submission",
        "team": {"id": "T1", "domain": "demo"},
        "user": _user(user_id),
        "api_app_id": "A1",
        "token": "legacy-verification-token-unused",
        "trigger_id": f"trig.submit.{n}",
        "view": view,
        "response_urls": [],
    }
    return send_payload(slack_http, payload)


def shortcut(slack_http, user_id: str, callback_id: str = "share_artifact"):
    n = next(_seq)
    payload = {
        "type": "shortcut",
        "token": "legacy-verification-token-unused",
        "action_ts": f"1764000000.{n:06d}",
        "team": {"id": "T1", "domain": "demo"},
        "user": _user(user_id),
        "callback_id": callback_id,
        "trigger_id": f"trig.shortcut.{n}",
    }
    return send_payload(slack_http, payload)


def home_opened(slack_http, user_id: str, tab: str = "home"):
    """The app_home_opened event (a JSON event_callback)."""
    n = next(_seq)
    body = {
        "token": "legacy-verification-token-unused",
        "team_id": "T1",
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": f"Ev{n:08d}",
        "event_time": 1764000000 + n,
        "event": {
            "type": "app_home_opened",
            "user": user_id,
            "channel": "D" + user_id,
            "tab": tab,
            "event_ts": f"1764000000.{n:06d}",
        },
    }
    return slack_http.post(json.dumps(body), content_type="application/json")


def wait_until(check, timeout: float = 10.0, what: str = "condition"):
    """Poll `check()` until it returns something truthy (listeners run after the ack)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def views_opened(slack, count: int = 1) -> list[dict]:
    """The stand-in records a call before answering it: wait for the stored views, not just the call."""
    return wait_until(lambda: len(slack.views_opened) >= count and list(slack.views_opened), what="views.open")


def views_published(slack, count: int = 1) -> list[dict]:
    return wait_until(lambda: len(slack.views_published) >= count and list(slack.views_published), what="views.publish")
