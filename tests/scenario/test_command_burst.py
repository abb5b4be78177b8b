"""A burst of slow slash commands: every one is acknowledged at once, and every one is answered."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

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
