"""A burst of slow slash commands: every one is acknowledged at once, and every one is answered."""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.runtime import ANSWER_NICENESS
from bot.slack.listeners.commands.router import Subcommand
from bot.slack.listeners.commands.table import SUBCOMMANDS
from tests.conftest import serving

# More than Bolt's five listener threads, so answers running on them would starve later acks.
BURST = 9


@pytest.fixture
def slow_command(rt, slack):
    release = threading.Event()

    def slowprobe(runtime, call):
        release.wait(timeout=30)
        return {"text": f"done for {call.user_id}"}

    probe = Subcommand("slowprobe", "slowprobe", "test only: answers once released", slowprobe)
    try:
        with serving(rt, slack, subcommands=(*SUBCOMMANDS, probe)) as http:
            yield http, release
    finally:
        release.set()


def test_slow_answers_do_not_block_later_acks(slow_command):
    http, release = slow_command
    with ThreadPoolExecutor(BURST) as pool:
        sent = list(pool.map(lambda i: http.command("slowprobe", user_id=f"U0BURST{i}", name=f"b{i}"), range(BURST)))
    # Every command was acknowledged while all the answers were still blocked.
    assert [status for status, _, _ in sent] == [200] * BURST
    assert not release.is_set()
    release.set()
    for i, (_, _, url) in enumerate(sent):
        assert http.responses(url, timeout=15)[0]["text"] == f"done for U0BURST{i}"


def test_answers_run_below_the_priority_of_the_threads_that_ack(rt, slack):
    """Under a burst the CPU goes to acks first: answer threads are niced (Linux, per thread)."""
    seen = {}

    def niceprobe(runtime, call):
        seen["answer"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        return {"text": "ok"}

    probe = Subcommand("niceprobe", "niceprobe", "test only: reports its thread's priority", niceprobe)
    with serving(rt, slack, subcommands=(*SUBCOMMANDS, probe)) as http:
        status, _, url = http.command("niceprobe", user_id="U0NICE1")
        assert status == 200
        assert http.responses(url, timeout=15)[0]["text"] == "ok"
    base = os.getpriority(os.PRIO_PROCESS, 0)
    assert seen["answer"] == min(19, base + ANSWER_NICENESS)
