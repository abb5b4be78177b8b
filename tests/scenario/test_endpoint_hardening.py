"""The endpoint facing the internet: oversized bodies, unsigned or malformed requests, replays, Slack down."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import SIGNING_SECRET, make_settings, serving

ROOT = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024


def sign(body: bytes, timestamp: str) -> str:
    return (
        "v0=" + hmac.new(SIGNING_SECRET.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    )


def raw_post(base_url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(base_url + "/slack/events", data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


# --- 1. bodies over 1 MiB -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.fixture
def server_process(database_url, tmp_path):
    """`buildboard serve --no-scheduler` in its own process, so its memory can be read."""
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    env.pop("SLACK_APP_TOKEN", None)
    stderr = tmp_path / "stderr.txt"
    with stderr.open("w") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--no-scheduler", "--host", "127.0.0.1", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base_url + "/healthz", timeout=2).read()
            break
        except (OSError, urllib.error.URLError):
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise AssertionError(f"server did not start: {stderr.read_text()[-2000:]}") from None
            time.sleep(0.2)
    try:
        yield process, base_url, stderr
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def stream_post(port: int, head: bytes, chunks, deadline: float) -> bytes:
    """Send the request head, then body chunks until the server answers or hangs up; returns what it answered."""
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(head)
        conn.setblocking(False)
        for chunk in chunks:
            if time.monotonic() > deadline:
                break
            try:
                answer += conn.recv(65536)
            except BlockingIOError:
                pass
            except OSError:
                break
            if answer:
                break
            try:
                conn.setblocking(True)
                conn.settimeout(5)
                conn.sendall(chunk)
                conn.setblocking(False)
            except OSError:  # the server refused and closed: the rest is never read
                break
        conn.settimeout(5)
        conn.setblocking(True)
        try:
            while not answer.endswith(b"\r\n\r\n") or b"Content-Length" not in answer:
                data = conn.recv(65536)
                if not data:
                    break
                answer += data
        except OSError:
            pass
    return answer


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_100_mb_unsigned_body_is_refused_with_413_without_growing_the_server(server_process, framing):
    process, base_url, _ = server_process
    port = int(base_url.rsplit(":", 1)[1])
    before = rss_kb(process.pid)
    megabyte = b"x" * MIB
    if framing == "content-length":
        head = (
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: " + str(100 * MIB).encode() + b"\r\n\r\n"
        )
        chunks = (megabyte for _ in range(100))
    else:
        head = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        chunks = (b"%x\r\n" % MIB + megabyte + b"\r\n" for _ in range(100))
    answer = stream_post(port, head, chunks, deadline=time.monotonic() + 60)
    grown_mb = (rss_kb(process.pid) - before) / 1024
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert grown_mb <= 20, f"the server grew by {grown_mb:.0f} MB"
    # And it still answers.
    assert urllib.request.urlopen(base_url + "/healthz", timeout=5).status == 200


def test_a_body_of_exactly_1_mib_is_read_and_checked(slack_http):
    body = b"text=" + b"a" * (MIB - 5)
    status, _ = raw_post(slack_http.base_url, body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 401  # read, then refused for want of a signature: not 413


def test_the_wsgi_app_refuses_a_declared_oversized_body_without_reading_it(rt, slack):
    from bot.slack.app import create_app
    from bot.slack.http import BuildboardWsgi
    from bot.slack.replay import ReplayGuard

    class Unreadable:
        def read(self, *_):
            raise AssertionError("the body was read")

    endpoint = BuildboardWsgi(create_app(rt), rt.sessions, signing_secret=SIGNING_SECRET, replays=ReplayGuard())
    answers = []
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_LENGTH": str(MIB + 1),
        "wsgi.input": Unreadable(),
    }
    endpoint(environ, lambda status, headers: answers.append(status))
    assert answers == ["413 Payload Too Large"]
    rt.close()


# --- 2. unsigned and malformed requests -----------------------------------------------------------


MALFORMED_UNSIGNED = {
    "form payload that is not JSON": (b"payload=%7Bnot-json", "application/x-www-form-urlencoded", True),
    "JSON body that is not JSON": (b'{"type": "event_callback", ', "application/json", True),
    "timestamp abc": (b"command=%2Fbuildboard&text=help", "application/x-www-form-urlencoded", "abc"),
    "no headers": (b"command=%2Fbuildboard&text=help", "application/x-www-form-urlencoded", None),
    "not UTF-8": (b"payload=\xff\xfe", "application/x-www-form-urlencoded", True),
}


@pytest.mark.parametrize("case", MALFORMED_UNSIGNED)
def test_malformed_unsigned_requests_get_401_and_no_traceback(slack_http, slack, caplog, case):
    body, content_type, timestamp = MALFORMED_UNSIGNED[case]
    headers = {"Content-Type": content_type}
    if timestamp is True:
        headers |= {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=" + "0" * 64}
    elif timestamp is not None:
        headers |= {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=" + "0" * 64}
    with caplog.at_level(logging.DEBUG):
        status, _ = raw_post(slack_http.base_url, body, headers)
    assert status == 401
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert "Traceback" not in caplog.text
    assert slack.responses_to_url == []


SIGNED_MALFORMED = {
    "form payload that is not JSON": (b"payload=%7Bnot-json", "application/x-www-form-urlencoded"),
    "JSON body that is not JSON": (b'{"type": "event_callback", ', "application/json"),
    "JSON that is not an object": (b"[1, 2]", "application/json"),
    "payload that is a JSON string": (b"payload=%22hello%22", "application/x-www-form-urlencoded"),
}


@pytest.mark.parametrize("case", SIGNED_MALFORMED)
def test_signed_but_malformed_payloads_get_400_never_500(slack_http, caplog, case):
    body, content_type = SIGNED_MALFORMED[case]
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sign(body, timestamp),
    }
    with caplog.at_level(logging.DEBUG):
        status, _ = raw_post(slack_http.base_url, body, headers)
    assert status == 400
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.exc_info]


def test_nothing_of_a_refused_request_is_logged(slack_http, caplog):
    body = b"command=%2Fbuildboard&text=secret-words-here"
    signature = "v0=" + "ab" * 32
    with caplog.at_level(logging.DEBUG):
        raw_post(
            slack_http.base_url,
            body,
            {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": signature},
        )
    assert "secret-words-here" not in caplog.text and "abab" not in caplog.text


# --- 3. replays -----------------------------------------------------------------------------------


def test_a_replayed_signed_command_is_answered_once(slack_http, slack):
    from tests.scenario.test_http_endpoint import command_body

    url = slack.response_url("replayed")
    body = command_body("help", "U0DAN", url)
    timestamp = int(time.time())
    first = slack_http.post(body, timestamp=timestamp)
    assert first[0] == 200 and "`/buildboard me`" in str(first[1])
    # The same bytes, timestamp and signature again (an attacker's replay, or a retry reusing them).
    assert slack_http.post(body, timestamp=timestamp) == (200, "")
    # A new request (new timestamp, so a new signature) is answered as usual.
    assert "`/buildboard me`" in str(slack_http.post(body, timestamp=timestamp + 1)[1])


def test_a_replay_to_another_replica_is_answered_once(rt, slack, slack_http):
    """Two processes share the database: the second sees the first's request."""
    from bot.slack.replay import ReplayGuard

    event = json.dumps(
        {"type": "event_callback", "team_id": "T1", "event": {"type": "app_home_opened", "user": "U0DAN"}}
    )
    timestamp = int(time.time())
    assert slack_http.post(event, content_type="application/json", timestamp=timestamp)[0] == 200
    signature = sign(event.encode(), str(timestamp))
    assert ReplayGuard(rt.engine).first_time(timestamp, signature) is False
    assert ReplayGuard(rt.engine).first_time(timestamp + 1, sign(event.encode(), str(timestamp + 1))) is True


# --- 4. Slack's Web API unreachable ---------------------------------------------------------------


def test_a_command_is_acked_and_healthz_says_slack_is_unreachable_while_slack_is_down(
    database_url, engine, sessions, slack
):
    from bot.runtime import Runtime
    from tests.conftest import NOW

    # The Web API at a closed port; response_url (Slack's hooks) still at the stand-in.
    runtime = Runtime(make_settings(database_url, None), clock=lambda: NOW)
    runtime.__dict__["engine"] = engine
    runtime.__dict__["sessions"] = sessions
    with serving(runtime, slack) as http:
        started = time.monotonic()
        status, body, _ = http.command("help", user_id="U0DAN")
        assert status == 200 and "`/buildboard me`" in str(body["blocks"])
        assert time.monotonic() - started < 3
        status, health = http.get("/healthz")
        assert status == 200 and health["slack_api"] == "unreachable" and health["database"] == "ok"
        # Cached: a burst of health checks costs no wait on Slack.
        started = time.monotonic()
        for _ in range(20):
            assert http.get("/healthz")[1]["slack_api"] == "unreachable"
        assert time.monotonic() - started < 2
