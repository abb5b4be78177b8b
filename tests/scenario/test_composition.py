"""The composition root seen from Slack: help follows the subcommand table, one paced sender posts showcases."""

from __future__ import annotations

import time

import pytest

from bot.slack.listeners.commands.table import SUBCOMMANDS
from tests.conftest import DIGEST_CHANNEL, make_settings, serving
from tests.scenario.interactive import shortcut, state_for_share, submit, views_opened
from tests.support.organisation import load_org

CHANNEL_INTERVAL = 60.0  # far from the default 1 s, so only the configured pacer can have it


def help_lines(body: dict) -> list[str]:
    return body["blocks"][1]["text"]["text"].split("\n")


def test_help_lists_the_subcommands_in_the_tables_order(slack_http):
    _, body, _ = slack_http.command("help", user_id="U0DAN")
    assert help_lines(body) == [f"`/buildboard {s.usage}` — {s.summary}" for s in SUBCOMMANDS]


def test_help_follows_whatever_order_the_table_has(rt, slack):
    reordered = tuple(reversed(SUBCOMMANDS))
    with serving(rt, slack, subcommands=reordered) as http:
        _, body, _ = http.command("help", user_id="U0DAN")
        _, unknown, _ = http.command("dance", user_id="U0DAN")
    expected = [f"`/buildboard {s.usage}` — {s.summary}" for s in reordered]
    assert help_lines(body) == expected and help_lines(unknown) == expected


@pytest.fixture
def settings(database_url, slack):
    return make_settings(database_url, slack, slack_channel_interval=CHANNEL_INTERVAL)


def test_a_showcase_is_posted_by_the_runtimes_paced_sender(slack_http, slack, rt):
    load_org(rt.sessions)
    shortcut(slack_http, "U0CAROL")
    state = state_for_share(
        title="Paced tool", description="Does the thing for the team, every week", kind="tool", share_in_channel=True
    )
    assert submit(slack_http, "U0CAROL", views_opened(slack)[0], state) == (200, "")
    slack.wait_for("views.publish")
    [showcase] = slack.messages_in(DIGEST_CHANNEL)
    assert "Paced tool" in str(showcase)
    # The Runtime's sender (BUILDBOARD_SLACK_CHANNEL_INTERVAL) recorded the post: the next one to the
    # channel waits the configured minute. A sender of the listener's own would leave this pacer untouched.
    assert rt.sender.pacer.channel_interval == CHANNEL_INTERVAL
    assert rt.sender.pacer.ready_at(DIGEST_CHANNEL) > time.monotonic() + CHANNEL_INTERVAL / 2
