"""Nudges for W47 (the last complete week at NOW) queued and sent, and the environment `buildboard nudge` reads."""

from __future__ import annotations

from bot.domain.periods import IsoWeek
from bot.services.nudges import queue_nudges, send_week
from tests.conftest import DIGEST_CHANNEL, NOW

W47 = IsoWeek(2026, 47)


def nudge_week(rt, settings=None):
    settings = settings or rt.settings
    report = queue_nudges(rt.sessions, settings, W47, NOW, at_local_hour=False)
    delivery = send_week(rt.sessions, rt.sender, W47, NOW)
    return report, delivery


def cli_env(monkeypatch, database_url, slack, **extra):
    values = {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_API_URL": slack.base_url,
        "BUILDBOARD_DIGEST_CHANNEL": DIGEST_CHANNEL,
        **extra,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values
