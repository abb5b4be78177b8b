"""manifest.yml is valid for Slack and declares exactly what the app uses."""

import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "manifest.yml"
SCHEMA = ROOT / "tests" / "data" / "manifest.schema.1.0.0.json"
REQUEST_URL = "https://buildboard.example.com/slack/events"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _errors(validator: jsonschema.Draft7Validator, document: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def test_manifest_validates_against_slack_schema(manifest, validator):
    assert _errors(validator, manifest) == []


def test_schema_rejects_a_broken_manifest(manifest, validator):
    broken = copy.deepcopy(manifest)
    broken["features"]["slash_commands"][0]["command"] = "buildboard"  # must start with "/"
    broken["features"]["shortcuts"][0]["type"] = "everywhere"
    broken["settings"]["surprise"] = True
    errors = _errors(validator, broken)
    assert any("features/slash_commands/0/command" in e for e in errors), errors
    assert any("features/shortcuts/0/type" in e for e in errors), errors
    assert any("surprise" in e for e in errors), errors


def test_slash_command(manifest):
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/buildboard"
    assert command["should_escape"] is True
    assert command["url"] == REQUEST_URL
    for word in ("me", "team", "user", "leaderboard", "share", "export", "privacy on|off", "help"):
        assert word in command["usage_hint"]


def test_global_shortcut(manifest):
    (shortcut,) = manifest["features"]["shortcuts"]
    assert shortcut == {
        "name": "Share what I built",
        "type": "global",
        "callback_id": "share_artifact",
        "description": shortcut["description"],
    }


def test_app_home_and_interactivity(manifest):
    assert manifest["display_information"]["name"] == "Buildboard"
    assert manifest["features"]["bot_user"]["display_name"] == "Buildboard"
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    settings = manifest["settings"]
    assert settings["interactivity"] == {"is_enabled": True, "request_url": REQUEST_URL}
    assert settings["socket_mode_enabled"] is False
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False


def test_events(manifest):
    events = manifest["settings"]["event_subscriptions"]
    assert events["request_url"] == REQUEST_URL
    assert sorted(events["bot_events"]) == ["app_home_opened", "app_uninstalled", "tokens_revoked", "user_change"]
    assert "user_events" not in events


def test_scopes_are_exactly_what_the_app_uses(manifest):
    scopes = manifest["oauth_config"]["scopes"]
    assert sorted(scopes["bot"]) == sorted(
        [
            "chat:write",
            "commands",
            "im:write",
            "users:read",
            "users:read.email",
            "files:write",
            "channels:history",
            "groups:history",
            "im:history",
        ]
    )
    assert "user" not in scopes
