"""A local stand-in for the Slack Web API, speaking Slack's wire format.

`buildboard demo` runs the bot against it (no network, no Slack account) and the tests use
it the way bolt-python's own tests use their mock server: the real
`slack_sdk.WebClient(base_url=standin.base_url)` talks to it unchanged, every call is
recorded, and faults (429 with Retry-After, 500, `{"ok": false}` errors, slow answers) can
be scripted. Stdlib only, on the shared local server (127.0.0.1, a daemon thread).
"""

from __future__ import annotations

import copy
import email.policy
import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl

from bot.demo.standin.block_kit_limits import (
    MAX_BLOCK_TEXT_TOTAL,
    MAX_MESSAGE_BLOCKS,
    MAX_MESSAGE_TEXT,
    block_errors,
    block_text_total,
    slack_file_ids,
    view_errors,
)
from bot.demo.standin.local_server import (
    LocalServer,
    ReceivedRequest,
    Reply,
    ScriptedFaults,
    decode_offset_cursor,
    encode_offset_cursor,
)

BOT_USER_ID = "UBOT"
USERS_LIST_MAX = 1000  # users.list answers at most this many members a page (200 recommended)
BOT_ID = "BBOT"
APP_ID = "ABUILDBOARD"
TEAM_ID = "T1"
TEAM_NAME = "Demo"
TEAM_DOMAIN = "demo"

# Form-encoded requests carry these fields as JSON strings; decode them so tests see objects.
_JSON_FIELDS = frozenset({"blocks", "attachments", "metadata", "view", "files"})


@dataclass
class RecordedCall:
    """One Web API call as the stand-in received it."""

    method: str  # e.g. "chat.postMessage"
    args: dict  # query + body params; JSON-encoded form fields decoded; a form `token` is moved to headers
    headers: dict = field(repr=False)  # holds the bearer token: kept out of repr so it is never printed
    at: float  # time.monotonic() when it arrived


@dataclass(frozen=True)
class _Fault:
    status: int
    error: str | None
    retry_after: int | None
    delay: float


class _SlackError(Exception):
    """An answer of `{"ok": false, "error": ...}` (HTTP 200 unless status says otherwise)."""

    def __init__(self, error: str, *, status: int = 200, headers: dict | None = None, messages: list | None = None):
        super().__init__(error)
        self.error = error
        self.status = status
        self.headers = headers or {}
        self.messages = messages or []

    def payload(self) -> dict:
        body: dict[str, Any] = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, int) and value == 1) or str(value).lower() in {"1", "true", "yes"}


def _ts_to_micros(ts: Any) -> int:
    """Slack timestamps ("1700000000.000100") as integer microseconds, for exact ordering."""
    text = str(ts or "0")
    seconds, _, fraction = text.partition(".")
    return int(seconds or 0) * 1_000_000 + int((fraction + "000000")[:6])


def _micros_to_ts(micros: int) -> str:
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def _page_start(cursor: Any) -> int:
    try:
        return decode_offset_cursor(cursor)
    except ValueError as exc:
        raise _SlackError("invalid_cursor") from exc


def _header_name(name: str) -> str:
    """A header name as Slack's SDK writes it ("authorization" → "Authorization")."""
    return "-".join(part.capitalize() for part in name.split("-"))


class SlackStandIn(LocalServer):
    """A Slack Web API on 127.0.0.1 that records every call and can script faults.

    `base_url` is known as soon as the object exists (the socket is bound in __init__);
    `start()` begins serving. Message `ts` values come from `clock` (default `time.time`)
    and are strictly increasing, so `oldest`/`latest` filters behave like Slack's.
    """

    name = "slack-standin"

    def __init__(
        self,
        *,
        users: list[dict] | None = None,
        channels: list[str] | None = None,
        rate_limit_per_channel: float | None = None,
        workspace_rate_limit: float | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        super().__init__()
        self._users_given = users is not None
        self._users: dict[str, dict] = {}
        for user in users or []:
            self._users[user["id"]] = copy.deepcopy(user)
        self._channels = set(channels) if channels is not None else None
        self._rate_per_channel = rate_limit_per_channel
        self._rate_workspace = workspace_rate_limit
        self._clock = clock or time.time

        self.calls: list[RecordedCall] = []
        self.uploaded_files: list[dict] = []
        self.views_opened: list[dict] = []
        self.views_pushed: list[dict] = []
        self.views_updated: list[dict] = []
        self.views_published: list[dict] = []
        self.ephemeral_messages: list[dict] = []
        self.responses_to_url: list[dict] = []
        self.rate_limited_count = 0

        self._messages: list[dict] = []
        self._faults: ScriptedFaults[_Fault] = ScriptedFaults()
        self._views: dict[str, dict] = {}
        self._home_view_ids: dict[str, str] = {}
        self._pending_files: dict[str, dict] = {}
        self._last_post_by_channel: dict[str, float] = {}
        self._last_post_any: float | None = None
        self._last_ts_micros = 0
        self._view_seq = 0
        self._file_seq = 0
        self._response_url_seq = 0
        self.base_url = f"{self.origin}/api/"

    # ------------------------------------------------------------------ test helpers

    def calls_to(self, method: str) -> list[RecordedCall]:
        """Every recorded call to `method` (failed and rate-limited ones included), oldest first."""
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        where: Callable[[RecordedCall], bool] | None = None,
    ) -> list[RecordedCall]:
        """Poll until at least `count` calls to `method` (matching `where`) arrived; return them all."""
        deadline = time.monotonic() + timeout
        while True:
            matching = [call for call in self.calls_to(method) if where is None or where(call)]
            if len(matching) >= count:
                return matching
            if time.monotonic() >= deadline:
                with self._lock:
                    seen = Counter(call.method for call in self.calls)
                condition = " matching the predicate" if where is not None else ""
                summary = ", ".join(f"{name} x{n}" for name, n in seen.items()) or "none"
                detail = ""
                if where is not None:
                    unmatched = self.calls_to(method)
                    if unmatched:
                        detail = f"; non-matching {method} args: {[_safe_args(c.args) for c in unmatched[-3:]]}"
                raise AssertionError(
                    f"expected at least {count} call(s) to {method}{condition} within {timeout}s, "
                    f"got {len(matching)}; calls so far: {summary}{detail}"
                )
            time.sleep(0.01)

    def recover(self) -> None:
        """End every scripted failure at once (Slack is back)."""
        self._faults.clear()

    def fail_next(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        delay: float = 0.0,
    ) -> None:
        """Script the next `times` calls to `method` to fail.

        status=429 answers `ratelimited` with `Retry-After` (default 1 s); status>=500 answers
        `internal_error`; status=200 with `error` answers `{"ok": false, "error": error}`.
        `delay` sleeps before answering. With status=200 and no error the call is carried out
        normally and only the answer is late: like a Slack timeout where the message was in
        fact posted.
        """
        self._faults.add(method, _Fault(status=status, error=error, retry_after=retry_after, delay=delay), times=times)

    def add_user(self, user: dict) -> None:
        """Add (or replace) a user in users.info shape."""
        with self._lock:
            self._users[user["id"]] = copy.deepcopy(user)
            self._users_given = True

    def add_channel(self, channel_id: str) -> None:
        """Make a public channel id known (only matters when `channels` was given)."""
        with self._lock:
            if self._channels is not None:
                self._channels.add(channel_id)

    @property
    def posted_messages(self) -> list[dict]:
        """Every message stored by chat.postMessage (chat.update edits them in place), oldest first."""
        with self._lock:
            return [dict(message) for message in self._messages]

    def messages_in(self, channel: str) -> list[dict]:
        """Messages stored in one channel (thread replies included), oldest first."""
        return [message for message in self.posted_messages if message["channel"] == channel]

    def dm_channel_for(self, user_id: str) -> str:
        """The DM channel id conversations.open returns for a user."""
        return "D" + user_id

    def response_url(self, name: str = "cmd") -> str:
        """A fresh response_url for a payload; POSTs to it land in `responses_to_url`."""
        with self._lock:
            self._response_url_seq += 1
            n = self._response_url_seq
        return f"{self.origin}/response/{name}/{n}"

    # ------------------------------------------------------------------ HTTP plumbing

    def reply_to(self, request: ReceivedRequest) -> Reply:
        path = request.path
        if path.startswith("/api/"):
            return self._answer_api(request, path[len("/api/") :])
        if path.startswith("/upload/"):
            return self._answer_upload(request, path[len("/upload/") :])
        if path.startswith("/response/"):
            return self._answer_response_url(request)
        return Reply(404, {"ok": False, "error": "not_found"})

    def crash_reply(self) -> Reply:
        return Reply(500, {"ok": False, "error": "internal_error"})

    @staticmethod
    def _parse_args(request: ReceivedRequest) -> dict:
        content_type = request.headers.get("content-type", "")
        body = request.raw_body
        args: dict[str, Any] = dict(parse_qsl(request.query_string, keep_blank_values=True))
        media_type = content_type.split(";")[0].strip().lower()
        if body:
            if media_type == "application/json":
                parsed = json.loads(body.decode("utf-8"))
                if isinstance(parsed, dict):
                    args.update(parsed)
            elif media_type == "multipart/form-data":
                args.update(_parse_multipart(body, content_type))
            else:
                args.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        for key in _JSON_FIELDS & args.keys():
            value = args[key]
            if isinstance(value, str) and value[:1] in "[{":
                try:
                    args[key] = json.loads(value)
                except json.JSONDecodeError:
                    pass  # left as sent: the method answers invalid_* like Slack would
        return args

    def _answer_api(self, request: ReceivedRequest, method: str) -> Reply:
        headers = {_header_name(name): value for name, value in request.headers.items()}
        args = self._parse_args(request)
        form_token = args.pop("token", None)
        if form_token and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {form_token}"
        with self._lock:
            self.calls.append(RecordedCall(method=method, args=args, headers=headers, at=request.at))
            fault = self._faults.take(method, request)

        status, payload, extra_headers = 200, {}, {}
        late_answer = 0.0
        try:
            self._check_auth(headers)
            if fault is not None:
                if fault.status == 200 and fault.error is None:
                    late_answer = fault.delay
                else:
                    if fault.delay:
                        time.sleep(fault.delay)
                    raise self._fault_error(fault)
            handler_fn = self._methods().get(method)
            if handler_fn is None:
                raise _SlackError("unknown_method")
            with self._lock:
                payload = handler_fn(args)
        except _SlackError as err:
            status, payload, extra_headers = err.status, err.payload(), err.headers
            if status == 429:
                with self._lock:
                    self.rate_limited_count += 1
        if late_answer:
            time.sleep(late_answer)
        return Reply(status, payload, extra_headers)

    @staticmethod
    def _fault_error(fault: _Fault) -> _SlackError:
        if fault.status == 429:
            retry_after = 1 if fault.retry_after is None else fault.retry_after
            return _SlackError(fault.error or "ratelimited", status=429, headers={"Retry-After": retry_after})
        headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
        if fault.status >= 500:
            return _SlackError(fault.error or "internal_error", status=fault.status, headers=headers)
        return _SlackError(fault.error or "fatal_error", status=fault.status, headers=headers)

    @staticmethod
    def _check_auth(headers: dict) -> None:
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        token = auth[len("Bearer ") :].strip() if auth.startswith("Bearer ") else ""
        if not token:
            raise _SlackError("not_authed")
        if not token.startswith("xox"):
            raise _SlackError("invalid_auth")

    def _answer_upload(self, request: ReceivedRequest, file_id: str) -> Reply:
        content_type = request.headers.get("content-type", "")
        if content_type.lower().startswith("multipart/form-data"):
            fields = _parse_multipart(request.raw_body, content_type)
            data = next((v for v in fields.values() if isinstance(v, bytes)), b"")
        else:
            # slack_sdk's files_upload_v2 POSTs the raw file bytes (see _upload_file_via_v2_url).
            data = request.raw_body
        with self._lock:
            pending = self._pending_files.get(file_id)
            if pending is not None:
                pending["bytes"] = data
        if pending is None:
            return Reply(404, "file not found")
        return Reply(200, f"OK - {len(data)}")

    def _answer_response_url(self, request: ReceivedRequest) -> Reply:
        try:
            parsed: Any = json.loads(request.raw_body.decode("utf-8")) if request.raw_body else {}
        except (json.JSONDecodeError, UnicodeDecodeError):
            parsed = request.raw_body.decode("utf-8", "replace")
        with self._lock:
            self.responses_to_url.append({"url": f"{self.origin}{request.target}", "body": parsed})
        return Reply(200, {"ok": True})

    # ------------------------------------------------------------------ Web API methods (called under the lock)

    def _methods(self) -> dict[str, Callable[[dict], dict]]:
        return {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "users.lookupByEmail": self._users_lookup_by_email,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }

    def _auth_test(self, args: dict) -> dict:
        return {
            "ok": True,
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": TEAM_NAME,
            "user": "buildboard",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _next_ts(self) -> str:
        micros = int(self._clock() * 1_000_000)
        if micros <= self._last_ts_micros:
            micros = self._last_ts_micros + 1
        self._last_ts_micros = micros
        return _micros_to_ts(micros)

    def _known_channel(self, channel: Any) -> str:
        """Resolve a channel argument the way Slack does, or raise channel_not_found."""
        channel = str(channel or "")
        if not channel:
            raise _SlackError("channel_not_found")
        if channel[0] in "UW":  # posting to a user id lands in the app's DM with them
            if self._users_given and channel not in self._users:
                raise _SlackError("channel_not_found")
            return self.dm_channel_for(channel)
        if channel[0] == "C" and self._channels is not None and channel not in self._channels:
            raise _SlackError("channel_not_found")
        return channel

    @staticmethod
    def _check_message_content(args: dict, *, require_content: bool = True) -> None:
        blocks = args.get("blocks")
        text = args.get("text")
        if isinstance(blocks, str):
            raise _SlackError("invalid_blocks_format")
        if require_content and not text and not blocks and not args.get("attachments"):
            raise _SlackError("no_text")
        if text and len(str(text)) > MAX_MESSAGE_TEXT:
            raise _SlackError("msg_too_long")
        if blocks is not None:
            errors = block_errors(blocks, MAX_MESSAGE_BLOCKS, "/blocks")
            if errors:
                raise _SlackError("invalid_blocks", messages=errors)
            if block_text_total(blocks) > MAX_BLOCK_TEXT_TOTAL:
                raise _SlackError("msg_blocks_too_long")

    def _check_rate_limit(self, channel: str) -> None:
        now = time.monotonic()
        limited = False
        if self._rate_per_channel:
            last = self._last_post_by_channel.get(channel)
            limited = last is not None and now - last < 1.0 / self._rate_per_channel
        if self._rate_workspace and not limited:
            last_any = self._last_post_any
            limited = last_any is not None and now - last_any < 1.0 / self._rate_workspace
        if limited:
            raise _SlackError("ratelimited", status=429, headers={"Retry-After": 1})
        self._last_post_by_channel[channel] = now
        self._last_post_any = now

    @staticmethod
    def _api_message(message: dict) -> dict:
        """A stored message the way conversations.history / chat.postMessage return it."""
        out: dict[str, Any] = {
            "type": "message",
            "user": message["user"],
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "text": message["text"] or "",
            "ts": message["ts"],
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata", "edited", "reply_count"):
            if message.get(key):
                out[key] = copy.deepcopy(message[key])
        return out

    def _find_message(self, channel: str, ts: Any) -> dict | None:
        return next((m for m in self._messages if m["channel"] == channel and m["ts"] == str(ts)), None)

    def _chat_post_message(self, args: dict) -> dict:
        channel = self._known_channel(args.get("channel"))
        self._check_message_content(args)
        metadata = args.get("metadata")
        if metadata is not None and (not isinstance(metadata, dict) or "event_type" not in metadata):
            raise _SlackError("invalid_metadata_format")
        self._check_rate_limit(channel)
        thread_ts = str(args["thread_ts"]) if args.get("thread_ts") else None
        message = {
            "channel": channel,
            "ts": self._next_ts(),
            "text": args.get("text") or "",
            "blocks": copy.deepcopy(args.get("blocks")),
            "attachments": copy.deepcopy(args.get("attachments")),
            "thread_ts": thread_ts,
            "metadata": copy.deepcopy(metadata),
            "user": BOT_USER_ID,
        }
        if thread_ts:
            parent = self._find_message(channel, thread_ts)
            if parent is not None:
                parent["reply_count"] = (parent.get("reply_count") or 0) + 1
        self._messages.append(message)
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": self._api_message(message)}

    def _chat_update(self, args: dict) -> dict:
        channel = self._known_channel(args.get("channel"))
        message = self._find_message(channel, args.get("ts"))
        if message is None:
            raise _SlackError("message_not_found")
        self._check_message_content(args, require_content=False)
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in args:
                message[key] = copy.deepcopy(args[key])
        message["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": channel,
            "ts": message["ts"],
            "text": message["text"] or "",
            "message": self._api_message(message),
        }

    def _chat_delete(self, args: dict) -> dict:
        channel = self._known_channel(args.get("channel"))
        message = self._find_message(channel, args.get("ts"))
        if message is None:
            raise _SlackError("message_not_found")
        self._messages.remove(message)
        return {"ok": True, "channel": channel, "ts": message["ts"]}

    def _chat_post_ephemeral(self, args: dict) -> dict:
        channel = self._known_channel(args.get("channel"))
        if not args.get("user"):
            raise _SlackError("user_not_in_channel")
        self._check_message_content(args)
        ts = self._next_ts()
        self.ephemeral_messages.append(
            {
                "channel": channel,
                "user": args["user"],
                "ts": ts,
                "text": args.get("text") or "",
                "blocks": copy.deepcopy(args.get("blocks")),
                "thread_ts": args.get("thread_ts"),
            }
        )
        return {"ok": True, "message_ts": ts}

    def _chat_get_permalink(self, args: dict) -> dict:
        channel = self._known_channel(args.get("channel"))
        message = self._find_message(channel, args.get("message_ts"))
        if message is None:
            raise _SlackError("message_not_found")
        link = f"https://{TEAM_DOMAIN}.slack.com/archives/{channel}/p{message['ts'].replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _conversations_open(self, args: dict) -> dict:
        users = [u.strip() for u in str(args.get("users") or "").split(",") if u.strip()]
        if not users:
            if args.get("channel"):
                return {"ok": True, "channel": {"id": str(args["channel"])}}
            raise _SlackError("users_list_not_supplied")
        if self._users_given:
            for user_id in users:
                if user_id not in self._users:
                    raise _SlackError("user_not_found")
        if len(users) == 1:
            channel_id = self.dm_channel_for(users[0])
            channel: dict[str, Any] = {"id": channel_id}
            if _truthy(args.get("return_im")):
                channel.update({"is_im": True, "user": users[0], "created": int(self._clock())})
            return {"ok": True, "channel": channel}
        digest = hashlib.sha1(",".join(sorted(users)).encode()).hexdigest()[:10].upper()
        return {"ok": True, "channel": {"id": "G" + digest}}

    def _conversations_history(self, args: dict) -> dict:
        channel = self._known_channel(args.get("channel"))
        oldest = _ts_to_micros(args.get("oldest") or "0")
        latest = _ts_to_micros(args["latest"]) if args.get("latest") else None
        inclusive = _truthy(args.get("inclusive"))

        def in_range(message: dict) -> bool:
            at = _ts_to_micros(message["ts"])
            after_oldest = at >= oldest if inclusive else at > oldest
            before_latest = latest is None or (at <= latest if inclusive else at < latest)
            return after_oldest and before_latest

        # Like Slack: thread replies are not in the channel history, only their parents.
        found = [
            m
            for m in self._messages
            if m["channel"] == channel and (not m["thread_ts"] or m["thread_ts"] == m["ts"]) and in_range(m)
        ]
        found.sort(key=lambda m: _ts_to_micros(m["ts"]), reverse=True)
        return self._page([self._api_message(m) for m in found], args, "messages", default_limit=100)

    def _conversations_replies(self, args: dict) -> dict:
        channel = self._known_channel(args.get("channel"))
        parent_ts = str(args.get("ts") or "")
        parent = self._find_message(channel, parent_ts)
        if parent is None:
            raise _SlackError("thread_not_found")
        replies = [m for m in self._messages if m["channel"] == channel and m["thread_ts"] == parent_ts]
        thread = [parent] + sorted(replies, key=lambda m: _ts_to_micros(m["ts"]))
        return self._page([self._api_message(m) for m in thread], args, "messages", default_limit=1000)

    @staticmethod
    def _page(items: list, args: dict, key: str, *, default_limit: int) -> dict:
        try:
            limit = int(args.get("limit") or 0) or default_limit
        except ValueError as exc:
            raise _SlackError("invalid_limit") from exc
        start = _page_start(args.get("cursor"))
        page = items[start : start + limit]
        more = start + limit < len(items)
        return {
            "ok": True,
            key: page,
            "has_more": more,
            "response_metadata": {"next_cursor": encode_offset_cursor(start + limit) if more else ""},
        }

    def _users_lookup_by_email(self, args: dict) -> dict:
        email_address = str(args.get("email") or "").strip().lower()
        for user in self._users.values():
            if str((user.get("profile") or {}).get("email", "")).lower() == email_address and email_address:
                return {"ok": True, "user": copy.deepcopy(user)}
        raise _SlackError("users_not_found")

    def _users_info(self, args: dict) -> dict:
        user = self._users.get(str(args.get("user") or ""))
        if user is None:
            raise _SlackError("user_not_found")
        return {"ok": True, "user": copy.deepcopy(user)}

    def _users_list(self, args: dict) -> dict:
        # Real cursor pagination (response_metadata.next_cursor, "" on the last page); only the page is copied.
        page = self._page(list(self._users.values()), args, "members", default_limit=USERS_LIST_MAX)
        if len(page["members"]) > USERS_LIST_MAX:
            raise _SlackError("invalid_limit")
        page["members"] = [copy.deepcopy(u) for u in page["members"]]
        page.pop("has_more")
        page["cache_ts"] = int(self._clock())
        return page

    def _new_view_id(self) -> str:
        self._view_seq += 1
        return f"V{self._view_seq:08d}"

    def _new_view(self, view: Any) -> dict:
        errors = view_errors(view)
        if errors:
            raise _SlackError("invalid_arguments", messages=errors)
        view_id = self._new_view_id()
        return self._store_view(view_id, view, root_view_id=view_id)

    def _store_view(self, view_id: str, view: dict, *, root_view_id: str) -> dict:
        stored = copy.deepcopy(view)
        digest = hashlib.sha1(json.dumps(view, sort_keys=True).encode()).hexdigest()[:8]
        stored.update(
            {
                "id": view_id,
                "team_id": TEAM_ID,
                "app_id": APP_ID,
                "bot_id": BOT_ID,
                "state": {"values": {}},
                "hash": f"{int(self._clock())}.{digest}",
                "root_view_id": root_view_id,
                "private_metadata": view.get("private_metadata", ""),
                "callback_id": view.get("callback_id", ""),
                "external_id": view.get("external_id", ""),
            }
        )
        self._views[view_id] = stored
        return stored

    @staticmethod
    def _view_record(view: dict, stored: dict, **ids: Any) -> dict:
        """What the views_* lists hold: the view as sent, plus its ids (also under "view")."""
        record = copy.deepcopy(view)
        record.update({"view": copy.deepcopy(view), "view_id": stored["id"], **ids})
        return record

    def _views_open(self, args: dict) -> dict:
        trigger_id = args.get("trigger_id")
        if not trigger_id:
            raise _SlackError("invalid_arguments", messages=["[ERROR] missing required field: trigger_id"])
        view = args.get("view")
        stored = self._new_view(view)
        self.views_opened.append(self._view_record(view, stored, trigger_id=trigger_id))
        return {"ok": True, "view": copy.deepcopy(stored)}

    def _views_push(self, args: dict) -> dict:
        trigger_id = args.get("trigger_id")
        if not trigger_id:
            raise _SlackError("invalid_arguments", messages=["[ERROR] missing required field: trigger_id"])
        view = args.get("view")
        stored = self._new_view(view)
        self.views_pushed.append(self._view_record(view, stored, trigger_id=trigger_id))
        return {"ok": True, "view": copy.deepcopy(stored)}

    def _views_update(self, args: dict) -> dict:
        view = args.get("view")
        errors = view_errors(view)
        if errors:
            raise _SlackError("invalid_arguments", messages=errors)
        view_id = args.get("view_id")
        external_id = args.get("external_id")
        current = None
        if view_id:
            current = self._views.get(str(view_id))
        elif external_id:
            current = next((v for v in self._views.values() if v.get("external_id") == external_id), None)
        else:
            raise _SlackError("invalid_arguments", messages=["[ERROR] either view_id or external_id is required"])
        if current is None:
            raise _SlackError("not_found")
        if args.get("hash") and args["hash"] != current["hash"]:
            raise _SlackError("hash_conflict")
        stored = self._store_view(current["id"], view, root_view_id=current["root_view_id"])
        self.views_updated.append(self._view_record(view, stored, external_id=external_id))
        return {"ok": True, "view": copy.deepcopy(stored)}

    def _views_publish(self, args: dict) -> dict:
        user_id = args.get("user_id")
        if not user_id:
            raise _SlackError("invalid_arguments", messages=["[ERROR] missing required field: user_id"])
        view = args.get("view")
        errors = view_errors(view)
        if not errors and view.get("type") != "home":
            errors = ["[ERROR] must be home [json-pointer:/view/type]"]
        uploaded = {f["file_id"] for f in self.uploaded_files}
        blocks = view.get("blocks") if isinstance(view, dict) else None
        errors += [f"[ERROR] invalid slack_file: {f}" for f in slack_file_ids(blocks) if f not in uploaded]
        if errors:
            raise _SlackError("invalid_arguments", messages=errors)
        # One Home view per user: publishing again replaces it under the same id.
        view_id = self._home_view_ids.get(user_id) or self._new_view_id()
        self._home_view_ids[user_id] = view_id
        stored = self._store_view(view_id, view, root_view_id=view_id)
        self.views_published.append(self._view_record(view, stored, user_id=user_id))
        return {"ok": True, "view": copy.deepcopy(stored)}

    def _files_get_upload_url(self, args: dict) -> dict:
        filename = args.get("filename")
        try:
            length = int(args.get("length") or 0)
        except ValueError as exc:
            raise _SlackError("invalid_arguments") from exc
        if not filename or length <= 0:
            raise _SlackError("invalid_arguments")
        self._file_seq += 1
        file_id = f"F{self._file_seq:08d}"
        alt_text = args.get("alt_txt") or args.get("alt_text")
        self._pending_files[file_id] = {"filename": filename, "length": length, "bytes": None, "alt_text": alt_text}
        return {"ok": True, "upload_url": f"{self.origin}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, args: dict) -> dict:
        files = args.get("files")
        if not isinstance(files, list) or not files:
            raise _SlackError("invalid_arguments")
        channel_id = args.get("channel_id")
        channels = [c for c in str(args.get("channels") or "").split(",") if c]
        for target in ([channel_id] if channel_id else []) + channels:
            self._known_channel(target)
        for item in files:
            pending = self._pending_files.get(str(item.get("id")))
            if pending is None or pending["bytes"] is None:
                raise _SlackError("file_not_found")
        answer = []
        for item in files:
            file_id = str(item["id"])
            pending = self._pending_files.pop(file_id)
            title = item.get("title") or pending["filename"]
            self.uploaded_files.append(
                {
                    "filename": pending["filename"],
                    "title": title,
                    "bytes": pending["bytes"],
                    "channel_id": channel_id or (channels[0] if channels else None),
                    "initial_comment": args.get("initial_comment"),
                    "thread_ts": args.get("thread_ts"),
                    "file_id": file_id,
                    "alt_text": pending.get("alt_text"),
                    # Completed without a channel, a file stays private to the app until it is shared.
                    "shared": bool(channel_id or channels),
                }
            )
            answer.append(
                {
                    "id": file_id,
                    "name": pending["filename"],
                    "title": title,
                    "size": len(pending["bytes"]),
                    "user": BOT_USER_ID,
                    "created": int(self._clock()),
                    "url_private": f"https://files.slack.com/files-pri/{TEAM_ID}-{file_id}/{pending['filename']}",
                    "permalink": f"https://{TEAM_DOMAIN}.slack.com/files/{BOT_USER_ID}/{file_id}/{pending['filename']}",
                }
            )
        return {"ok": True, "files": answer}


def _parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    """Form fields of a multipart/form-data body: text fields as str, file parts as bytes."""
    message = BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    fields: dict[str, Any] = {}
    if not message.is_multipart():
        return fields
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        if part.get_filename() is not None:
            fields[str(name)] = payload
        else:
            fields[str(name)] = payload.decode(part.get_content_charset() or "utf-8", "replace")
    return fields


def _safe_args(args: dict) -> dict:
    """Args for an error message: long values shortened."""
    return {k: (v if len(repr(v)) <= 200 else repr(v)[:200] + "...") for k, v in args.items()}
