"""A burst of slow slash commands: every one is acknowledged at once, and every one is answered."""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.slack.listeners.commands import ANSWER_NICENESS
from bot.slack.listeners.commands.router import SUBCOMMANDS, subcommand

# More than Bolt's five listener threads, so answers running on them would starve later acks.
BURST = 9


@pytest.fixture
def slow_command():
    release = threading.Event()

    @subcommand("slowprobe", "slowprobe", "test only: answers once released")
    def slowprobe(deps, call, respond):
        release.wait(timeout=30)
        return {"text": f"done for {call.user_id}"}

    yield release
    release.set()
    SUBCOMMANDS.pop("slowprobe", None)


def test_slow_answers_do_not_block_later_acks(slack_http, slow_command):
    with ThreadPoolExecutor(BURST) as pool:
        sent = list(
            pool.map(lambda i: slack_http.command("slowprobe", user_id=f"U0BURST{i}", name=f"b{i}"), range(BURST))
        )
    # Every command was acknowledged while all the answers were still blocked.
    assert [status for status, _, _ in sent] == [200] * BURST
    assert not slow_command.is_set()
    slow_command.set()
    for i, (_, _, url) in enumerate(sent):
        assert slack_http.responses(url, timeout=15)[0]["text"] == f"done for U0BURST{i}"


def test_answers_run_below_the_priority_of_the_threads_that_ack(slack_http):
    """Under a burst the CPU goes to acks first: answer threads are niced (Linux, per thread)."""
    seen = {}

    @subcommand("niceprobe", "niceprobe", "test only: reports its thread's priority")
    def niceprobe(deps, call, respond):
        seen["answer"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        return {"text": "ok"}

    try:
        status, _, url = slack_http.command("niceprobe", user_id="U0NICE1")
        assert status == 200
        assert slack_http.responses(url, timeout=15)[0]["text"] == "ok"
    finally:
        SUBCOMMANDS.pop("niceprobe", None)
    base = os.getpriority(os.PRIO_PROCESS, 0)
    assert seen["answer"] == min(19, base + ANSWER_NICENESS)
