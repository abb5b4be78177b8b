"""Unknown BUILDBOARD_* names are found (in the environment and in .env) with the closest known name; plurals."""

from bot.domain.text import plural
from bot.settings import known_names, unknown_settings


def test_a_misspelt_setting_is_found_with_the_closest_name(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("BUILDBOARD_TIMEZONE=Europe/Berlin\nBUILDBOARD_NUDGE_MIN_SPEND=20\nOTHER=1\n")
    environ = {
        "BUILDBOARD_DIGEST_CHANEL": "C1",
        "BUILDBOARD_ADMINS": "a@example.com",
        "buildboard_rank_by": "spend",  # names are read in any case
        "BUILDBOARD_QWERTYUIOP": "1",
        "PATH": "/bin",
    }
    found = {u.name: u for u in unknown_settings(environ, str(env_file))}
    assert set(found) == {"BUILDBOARD_DIGEST_CHANEL", "BUILDBOARD_NUDGE_MIN_SPEND", "BUILDBOARD_QWERTYUIOP"}
    assert found["BUILDBOARD_DIGEST_CHANEL"].suggestion == "BUILDBOARD_DIGEST_CHANNEL"
    assert found["BUILDBOARD_DIGEST_CHANEL"].where == "the environment"
    assert found["BUILDBOARD_NUDGE_MIN_SPEND"].suggestion == "BUILDBOARD_NUDGE_MIN_SPEND_USD"
    assert found["BUILDBOARD_NUDGE_MIN_SPEND"].where == str(env_file)
    assert found["BUILDBOARD_QWERTYUIOP"].suggestion is None


def test_every_setting_name_is_known():
    names = known_names()
    assert {"DATABASE_URL", "SLACK_BOT_TOKEN", "BUILDBOARD_DIGEST_CHANNEL", "BUILDBOARD_LOG_FORMAT"} <= set(names)
    assert unknown_settings({name: "x" for name in names}, "/nonexistent/.env") == []


def test_plurals():
    assert plural(1, "person", "people") == "1 person"
    assert plural(2, "person", "people") == "2 people"
    assert plural(0, "row") == "0 rows"
    assert plural(1, "row") == "1 row"
    assert plural(12_345, "token") == "12,345 tokens"
