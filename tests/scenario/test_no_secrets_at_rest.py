"""No secrets at rest: a full scenario logged at DEBUG leaves no token, signing secret or API key anywhere."""

from __future__ import annotations

import logging

from pydantic import SecretStr

import bot.runtime
from bot.cli import main
from bot.runtime import configure_logging
from tests.conftest import BOT_TOKEN, DATA, SIGNING_SECRET
from tests.support.personal_data import traces_in_database

OPENAI_KEY = "sk-proj-OPENAI-secret-91c4e"
OPENAI_ADMIN = "sk-admin-OPENAI-secret-55d2"
ANTHROPIC_ADMIN = "sk-ant-admin01-ANTHROPIC-secret-0b7e"
SECRETS = [BOT_TOKEN, SIGNING_SECRET, OPENAI_KEY, OPENAI_ADMIN, ANTHROPIC_ADMIN]


def test_a_full_scenario_logged_at_debug_leaks_no_secret(rt, slack, slack_http, monkeypatch, database_url, capsys):
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    noisy = ("slack_sdk", "slack_bolt", "urllib3", "httpx", "openai", "anthropic", "waitress", "sqlalchemy.engine")
    saved_levels = {name: logging.getLogger(name).level for name in noisy}

    def debug_everything(settings, level=logging.INFO):
        configure_logging(settings, logging.DEBUG)
        for name in noisy:  # stricter than production, which keeps these at WARNING
            logging.getLogger(name).setLevel(logging.DEBUG)

    # bot.commands.common.runtime() looks it up here when a command runs
    monkeypatch.setattr(bot.runtime, "configure_logging", debug_everything)
    env = {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.base_url,
        "BUILDBOARD_DIGEST_CHANNEL": "C0DIGEST",
        "OPENAI_API_KEY": OPENAI_KEY,
        "OPENAI_ADMIN_KEY": OPENAI_ADMIN,
        "ANTHROPIC_ADMIN_KEY": ANTHROPIC_ADMIN,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    rt.settings.openai_api_key = SecretStr(OPENAI_KEY)
    rt.settings.openai_admin_key = SecretStr(OPENAI_ADMIN)
    rt.settings.anthropic_admin_key = SecretStr(ANTHROPIC_ADMIN)
    try:
        assert main(["org", "import", str(DATA / "people.csv")]) == 0
        assert main(["usage", "import", str(DATA / "usage.csv")]) == 0
        assert main(["digest", "--week", "2026-W47"]) == 0
        # Commands through the real HTTP endpoint, answered through response_url.
        for text, user in (("me", "U0CAROL"), ("me data", "U0CAROL"), ("help", "U0DAN"), ("dance", "U0BOB")):
            _, _, url = slack_http.command(text, user_id=user, name=text.replace(" ", "-"))
            if text.startswith("me"):
                slack_http.responses(url)
        slack_http.post("command=%2Fbuildboard&text=me&user_id=U0DAN", secret="wrong-secret")  # refused, logged
        for what in ("usage", "people", "audit"):
            for fmt in ("csv", "json"):
                assert main(["export", what, "--format", fmt]) == 0
        assert main(["retention", "--dry-run"]) == 0
        assert main(["forget", "erin@example.com"]) == 0
        logging.getLogger("bot").debug("settings in use: %r", rt.settings)  # how settings would appear if logged
    finally:
        captured = capsys.readouterr()
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)
    logs, exports = captured.err, captured.out
    assert "DEBUG" in logs and "posted the digest" in exports + logs  # the capture really saw the run
    assert "carol@example.com" in exports  # and the exports really ran
    for secret in SECRETS:
        assert secret not in logs, f"{secret} is in the logs"
        assert secret not in exports, f"{secret} is in an export"
    with rt.sessions() as session:
        assert traces_in_database(session, SECRETS) == []
