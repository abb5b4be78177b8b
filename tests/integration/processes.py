"""Real `buildboard` processes for the fault tests: started with the test's database and Slack stand-in."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bot.demo.standin.slack import SlackStandIn
from bot.slack.delivery import METADATA_EVENT
from tests.conftest import BOT_TOKEN, DIGEST_CHANNEL, SIGNING_SECRET

# Short periods so a failover takes seconds, not a minute.
FAST = {
    "BUILDBOARD_LEADER_LEASE_SECONDS": "1.5",
    "BUILDBOARD_OUTBOX_INTERVAL_SECONDS": "0.3",
    "BUILDBOARD_OUTBOX_CLAIM_SECONDS": "1",
    "BUILDBOARD_SLACK_WORKSPACE_RATE": "40",
}


def bb_env(database_url: str, slack: SlackStandIn, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BUILDBOARD_", "DATABASE_URL"))}
    env.update(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.base_url,
        BUILDBOARD_DIGEST_CHANNEL=DIGEST_CHANNEL,
        BUILDBOARD_LOG_FORMAT="json",
    )
    env.update(FAST)
    env.update(extra)
    return env


def start(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen:
    """`buildboard ARGS` as a child process (its log goes to a file in cwd)."""
    log = open(cwd / f"buildboard-{time.monotonic_ns()}.log", "wb")  # noqa: SIM115  (closed with the process)
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *args], env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT
    )


def serve(env: dict[str, str], cwd: Path) -> subprocess.Popen:
    return start(["serve", "--host", "127.0.0.1", "--port", "0", "--threads", "2"], env, cwd)


def wait_until(condition: Callable[[], object], timeout: float = 60.0, what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def keys_posted(slack: SlackStandIn) -> Counter:
    return Counter(
        m["metadata"]["event_payload"]["outbox_key"]
        for m in slack.posted_messages
        if (m.get("metadata") or {}).get("event_type") == METADATA_EVENT
    )


def pid_of(holder: str) -> int:
    """default_worker_id() is host:pid:thread."""
    return int(holder.split(":")[-2])


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)
