"""The Slack stand-in, exercised through the real slack_sdk clients."""

import threading
import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.demo.standin.slack import SlackStandIn
from bot.slack.blocks.plain_text import render_message

USERS = [
    {
        "id": f"U{n}",
        "name": f"person{n}",
        "real_name": f"Person {n}",
        "tz": "Europe/Paris",
        "tz_offset": 3600,
        "deleted": False,
        "is_bot": False,
        "profile": {"email": f"person{n}@example.com", "real_name": f"Person {n}", "display_name": f"p{n}"},
    }
    for n in range(1, 6)
]


@pytest.fixture
def standin():
    with SlackStandIn(users=USERS, channels=["CDIGEST", "COTHER"]) as server:
        yield server


@pytest.fixture
def client(standin):
    return WebClient(token="xoxb-test", base_url=standin.base_url)


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_post_message_and_history_round_trip_with_metadata(standin, client):
    metadata = {"event_type": "buildboard_digest", "event_payload": {"key": "digest:CDIGEST:2026-W47"}}
    first = client.chat_postMessage(channel="CDIGEST", text="Digest", blocks=[_section("*Digest*")], metadata=metadata)
    second = client.chat_postMessage(channel="CDIGEST", text="Detail", thread_ts=first["ts"])
    third = client.chat_postMessage(channel="CDIGEST", text="Later")

    assert first["ok"] and first["channel"] == "CDIGEST"
    assert first["message"]["metadata"] == metadata
    assert float(first["ts"]) < float(second["ts"]) < float(third["ts"])

    history = client.conversations_history(channel="CDIGEST", include_all_metadata=True, limit=10)
    # Newest first, thread replies left out (as in Slack).
    assert [m["ts"] for m in history["messages"]] == [third["ts"], first["ts"]]
    assert history["messages"][1]["metadata"] == metadata
    assert history["messages"][1]["reply_count"] == 1
    assert history["has_more"] is False

    since_first = client.conversations_history(channel="CDIGEST", oldest=first["ts"])
    assert [m["ts"] for m in since_first["messages"]] == [third["ts"]]

    replies = client.conversations_replies(channel="CDIGEST", ts=first["ts"])
    assert [m["text"] for m in replies["messages"]] == ["Digest", "Detail"]

    assert [m["text"] for m in standin.messages_in("CDIGEST")] == ["Digest", "Detail", "Later"]
    assert standin.posted_messages[1]["thread_ts"] == first["ts"]
    call = standin.calls_to("chat.postMessage")[0]
    assert call.args["metadata"] == metadata
    assert call.headers["Authorization"] == "Bearer xoxb-test"
    assert "xoxb-test" not in repr(call)


def test_rate_limit_retry_after_is_honoured_by_the_retry_handler(standin):
    standin.fail_next("chat.postMessage", status=429, retry_after=0)
    client = WebClient(
        token="xoxb-test", base_url=standin.base_url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)]
    )

    response = client.chat_postMessage(channel="CDIGEST", text="hello")

    assert response["ok"]
    assert len(standin.calls_to("chat.postMessage")) == 2
    assert standin.rate_limited_count == 1
    assert [m["text"] for m in standin.posted_messages] == ["hello"]


def test_rate_limit_without_retry_handler_surfaces_429_and_retry_after(standin, client):
    standin.fail_next("chat.postMessage", status=429)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="CDIGEST", text="hello")
    assert raised.value.response.status_code == 429
    assert raised.value.response["error"] == "ratelimited"
    assert raised.value.response.headers["Retry-After"] == "1"
    assert standin.posted_messages == []


def test_scripted_error_raises_slack_api_error_once(standin, client):
    standin.fail_next("chat.postMessage", error="not_in_channel")
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="CDIGEST", text="hello")
    assert raised.value.response["error"] == "not_in_channel"
    assert raised.value.response.status_code == 200

    assert client.chat_postMessage(channel="CDIGEST", text="hello again")["ok"]
    assert [m["text"] for m in standin.posted_messages] == ["hello again"]


def test_server_error_then_retry_succeeds(standin):
    standin.fail_next("users.info", status=500)
    retrying = WebClient(token="xoxb-test", base_url=standin.base_url, retry_handlers=[ServerErrorRetryHandler()])
    assert retrying.users_info(user="U1")["user"]["tz"] == "Europe/Paris"
    assert len(standin.calls_to("users.info")) == 2


def test_slow_answer_times_out_but_the_message_was_posted(standin):
    standin.fail_next("chat.postMessage", delay=0.5)
    impatient = WebClient(token="xoxb-test", base_url=standin.base_url, timeout=0.1, retry_handlers=[])
    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel="CDIGEST", text="in flight")
    # Slack did post it: reconciliation through history finds it.
    assert [m["text"] for m in standin.posted_messages] == ["in flight"]
    time.sleep(0.6)  # let the late answer hit the closed connection
    assert standin.internal_errors == []


def test_files_upload_v2_stores_the_exact_bytes(standin, client):
    content = b"email,spend_usd\r\nada@example.com,12.50\r\n\x00\xff binary tail"
    response = client.files_upload_v2(
        channel="CDIGEST",
        filename="usage.csv",
        content=content,
        title="Usage export",
        initial_comment="Here is the export",
    )

    assert response["file"]["id"] == standin.uploaded_files[0]["file_id"]
    (uploaded,) = standin.uploaded_files
    assert uploaded["bytes"] == content
    assert uploaded["filename"] == "usage.csv"
    assert uploaded["title"] == "Usage export"
    assert uploaded["channel_id"] == "CDIGEST"
    assert uploaded["initial_comment"] == "Here is the export"
    assert standin.calls_to("files.completeUploadExternal")[0].args["files"][0]["id"] == uploaded["file_id"]


def test_views_publish_open_update_are_recorded(standin, client):
    home = {"type": "home", "blocks": [_section("Your week")]}
    published = client.views_publish(user_id="U1", view=home)
    again = client.views_publish(user_id="U1", view=home)
    assert published["view"]["id"] == again["view"]["id"]
    assert standin.views_published[0]["user_id"] == "U1"
    assert standin.views_published[0]["blocks"] == home["blocks"]

    modal = {
        "type": "modal",
        "callback_id": "share_artifact",
        "title": {"type": "plain_text", "text": "Share what you built"},
        "submit": {"type": "plain_text", "text": "Share"},
        "blocks": [
            {
                "type": "input",
                "block_id": "title",
                "label": {"type": "plain_text", "text": "Title"},
                "element": {"type": "plain_text_input", "action_id": "value"},
            }
        ],
    }
    opened = client.views_open(trigger_id="123.456", view=modal)
    assert standin.views_opened[0]["trigger_id"] == "123.456"
    assert standin.views_opened[0]["view_id"] == opened["view"]["id"]
    updated = client.views_update(view_id=opened["view"]["id"], view={**modal, "blocks": [_section("Thanks!")]})
    assert updated["view"]["blocks"] == [_section("Thanks!")]

    with pytest.raises(SlackApiError) as raised:
        client.views_publish(user_id="U1", view={"type": "home", "blocks": [_section("x")] * 101})
    assert raised.value.response["error"] == "invalid_arguments"
    with pytest.raises(SlackApiError) as raised:
        client.views_open(trigger_id="1.2", view={**modal, "title": {"type": "plain_text", "text": "x" * 25}})
    assert raised.value.response["error"] == "invalid_arguments"


def test_users_list_paginates(client):
    pages = [page["members"] for page in client.users_list(limit=2)]
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [u["id"] for p in pages for u in p] == ["U1", "U2", "U3", "U4", "U5"]
    last = client.users_list(limit=2, cursor=client.users_list(limit=4)["response_metadata"]["next_cursor"])
    assert last["response_metadata"]["next_cursor"] == ""


def test_identity_lookups_and_dm_channels(standin, client):
    assert client.users_lookupByEmail(email="Person3@example.com")["user"]["id"] == "U3"
    with pytest.raises(SlackApiError, match="users_not_found"):
        client.users_lookupByEmail(email="nobody@example.com")
    with pytest.raises(SlackApiError, match="user_not_found"):
        client.users_info(user="U404")
    assert client.conversations_open(users="U2")["channel"]["id"] == standin.dm_channel_for("U2") == "DU2"
    with pytest.raises(SlackApiError, match="user_not_found"):
        client.conversations_open(users="U404")
    standin.add_user({**USERS[0], "id": "U9", "profile": {"email": "new@example.com"}})
    assert client.conversations_open(users="U9")["channel"]["id"] == "DU9"
    assert client.chat_postMessage(channel="DU2", text="what did you build?")["ok"]


def test_rate_limit_per_channel_answers_429():
    with SlackStandIn(rate_limit_per_channel=1.0) as limited:
        client = WebClient(token="xoxb-test", base_url=limited.base_url)
        assert client.chat_postMessage(channel="C1", text="one")["ok"]
        with pytest.raises(SlackApiError) as raised:
            client.chat_postMessage(channel="C1", text="two")
        assert raised.value.response.status_code == 429
        assert raised.value.response.headers["Retry-After"] == "1"
        assert client.chat_postMessage(channel="C2", text="other channel")["ok"]
        assert limited.rate_limited_count == 1
        assert [m["text"] for m in limited.posted_messages] == ["one", "other channel"]


def test_workspace_rate_limit_spans_channels():
    with SlackStandIn(workspace_rate_limit=1.0) as limited:
        client = WebClient(token="xoxb-test", base_url=limited.base_url)
        assert client.chat_postMessage(channel="C1", text="one")["ok"]
        with pytest.raises(SlackApiError):
            client.chat_postMessage(channel="C2", text="two")
        assert limited.rate_limited_count == 1


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing:UserWarning")
@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"blocks": [_section("x")] * 51, "text": "t"}, "invalid_blocks"),
        ({}, "no_text"),
        ({"blocks": [_section("x" * 3001)], "text": "t"}, "invalid_blocks"),
        ({"blocks": [_section("x" * 2900)] * 5, "text": "t"}, "msg_blocks_too_long"),
    ],
)
def test_message_limits_are_enforced(standin, client, kwargs, error):
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="CDIGEST", **kwargs)
    assert raised.value.response["error"] == error
    assert standin.posted_messages == []


def test_unknown_channel_and_unknown_method(standin, client):
    with pytest.raises(SlackApiError, match="channel_not_found"):
        client.chat_postMessage(channel="CNOPE", text="x")
    with pytest.raises(SlackApiError, match="unknown_method"):
        client.api_call("pins.add", params={"channel": "CDIGEST"})
    assert standin.calls_to("pins.add")[0].args == {"channel": "CDIGEST"}


def test_missing_token_is_not_authed(standin):
    with pytest.raises(SlackApiError, match="not_authed"):
        WebClient(base_url=standin.base_url).auth_test()
    assert WebClient(token="xoxb-test", base_url=standin.base_url).auth_test()["user_id"] == "UBOT"


def test_chat_update_and_ephemeral(standin, client):
    posted = client.chat_postMessage(channel="CDIGEST", text="draft")
    client.chat_update(channel="CDIGEST", ts=posted["ts"], text="final", blocks=[_section("final")])
    assert standin.posted_messages[0]["text"] == "final"
    assert standin.posted_messages[0]["blocks"] == [_section("final")]
    with pytest.raises(SlackApiError, match="message_not_found"):
        client.chat_update(channel="CDIGEST", ts="1.000001", text="x")
    assert client.chat_postEphemeral(channel="CDIGEST", user="U1", text="only you")["message_ts"]


def test_response_url_records_respond_posts(standin):
    url = standin.response_url()
    assert url.startswith(f"http://127.0.0.1:{standin.port}/response/cmd/")
    WebhookClient(url).send_dict({"response_type": "ephemeral", "text": "your numbers"})
    assert standin.responses_to_url == [{"url": url, "body": {"response_type": "ephemeral", "text": "your numbers"}}]


def test_wait_for_polls_and_explains_a_timeout(standin, client):
    threading.Timer(0.1, lambda: client.chat_postMessage(channel="CDIGEST", text="later")).start()
    (call,) = standin.wait_for("chat.postMessage", where=lambda c: c.args.get("text") == "later")
    assert call.args["channel"] == "CDIGEST"
    with pytest.raises(AssertionError, match=r"views\.open.*got 0.*chat\.postMessage x1"):
        standin.wait_for("views.open", timeout=0.1)


def test_render_message_reads_like_the_message():
    message = {
        "text": "fallback",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Weekly digest"}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "Top: <@U1|ada> built <https://x.test|a bot> &amp; more"},
                "fields": [{"type": "mrkdwn", "text": "*Spend* $120"}],
            },
            {"type": "divider"},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "week 47"}]},
            {"type": "image", "image_url": "https://x.test/c.png", "alt_text": "chart"},
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": {"type": "plain_text", "text": "Share what I built"}},
                    {"type": "button", "text": {"type": "plain_text", "text": "Remind me later"}},
                ],
            },
        ],
    }
    assert render_message(message).splitlines() == [
        "WEEKLY DIGEST",
        "Top: @ada built a bot (https://x.test) & more",
        "  *Spend* $120",
        "-" * 40,
        "  week 47",
        "[image: chart]",
        "[ Share what I built ] [ Remind me later ]",
    ]
    assert render_message({"text": "plain <!here>", "blocks": None}) == "plain @here"
