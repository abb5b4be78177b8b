"""Every failure an operator can cause ends in one line on stderr, no traceback and a non-zero exit; a success
writes its result to stdout and nothing to stderr. Each case runs the real `buildboard` executable.

Read-only commands on a SQLite file that does not exist say so (and how to create one) without creating it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.commands.demo import MIN_PEOPLE
from bot.db.engine import safe_url

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "s3cret-pw"
TOKENS = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "test-secret"}


def executable() -> list[str]:
    """The installed console script (what an operator runs), else the module."""
    script = Path(sys.executable).with_name("buildboard")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    drop = ("SLACK_", "BUILDBOARD_", "DATABASE_URL", "OPENAI_", "ANTHROPIC_", "PORT")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(
        PYTHONPATH=str(ROOT),  # this checkout, whichever one the console script was installed from
        DATABASE_URL=f"sqlite:///{tmp_path / 'buildboard.db'}",
        SLACK_API_URL="http://127.0.0.1:9/api/",  # nothing may leave the machine
        BUILDBOARD_LLM_ENABLED="false",
    )
    env.update(extra)
    return env


def bb(tmp_path: Path, *args: str, timeout: float = 120, cwd: Path | None = None, **env: str):
    return subprocess.run(
        [*executable(), *args],
        env=clean_env(tmp_path, **env),
        cwd=cwd or tmp_path,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def one_line_failure(result: subprocess.CompletedProcess, *expected: str) -> str:
    """The single stderr line of a failed run, which must contain each of `expected`."""
    assert result.returncode != 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{result.stderr}"
    for text in expected:
        assert text in lines[0], (text, lines[0])
    return lines[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def upgraded(tmp_path: Path) -> None:
    result = bb(tmp_path, "db", "upgrade")
    assert result.returncode == 0 and result.stderr == "", result.stderr


# --- Slack settings a command needs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["digest"], ["nudge"], ["outbox", "send"], ["serve", "--host", "127.0.0.1", "--port", "0"]],
    ids=["digest", "nudge", "outbox send", "serve"],
)
def test_a_missing_bot_token_is_one_line(tmp_path, args):
    one_line_failure(bb(tmp_path, *args), "SLACK_BOT_TOKEN is not set")


def test_serve_without_a_signing_secret_is_one_line(tmp_path):
    result = bb(tmp_path, "serve", "--port", "0", SLACK_BOT_TOKEN="xoxb-test")
    one_line_failure(result, "SLACK_SIGNING_SECRET is not set")


# --- DATABASE_URL ----------------------------------------------------------------------------------------------------


def _bad_urls(tmp_path: Path) -> dict[str, tuple[str, str]]:
    (tmp_path / "a-directory").mkdir()
    return {
        "unparseable": (f"postgresql+psycopg//bb:{PASSWORD}@127.0.0.1/bb", "is not a database URL"),
        "missing driver": (f"mysql://bb:{PASSWORD}@127.0.0.1/bb", "not installed"),
        "unknown database kind": (f"nosuchdb://bb:{PASSWORD}@127.0.0.1/bb", "knows no database"),
        "missing directory": (f"sqlite:///{tmp_path / 'no-such-dir' / 'bb.db'}", "does not exist"),
        "a directory": (f"sqlite:///{tmp_path / 'a-directory'}", "directory"),
        "unreachable server": (
            f"postgresql+psycopg://bb:{PASSWORD}@127.0.0.1:{free_port()}/bb",
            "cannot use the database at postgresql+psycopg://bb:***@127.0.0.1",
        ),
    }


BAD_URL_CASES = (
    "unparseable",
    "missing driver",
    "unknown database kind",
    "missing directory",
    "a directory",
    "unreachable server",
)


@pytest.mark.parametrize("case", BAD_URL_CASES)
@pytest.mark.parametrize("args", [["export", "usage"], ["db", "upgrade"]], ids=["export", "db upgrade"])
def test_a_bad_database_url_is_one_line_without_its_password(tmp_path, case, args):
    url, expected = _bad_urls(tmp_path)[case]
    line = one_line_failure(bb(tmp_path, *args, DATABASE_URL=url), expected)
    assert PASSWORD not in line
    assert "DATABASE_URL" in line or "database at" in line
    assert not (tmp_path / "no-such-dir").exists()


@pytest.mark.postgres_only  # a server to ask for a database it does not have
def test_a_missing_postgresql_database_is_one_line(tmp_path):
    url = os.environ["TEST_DATABASE_URL"]
    base = url.rsplit("/", 1)[0]
    missing = f"{base}/buildboard_no_such_database"
    line = one_line_failure(bb(tmp_path, "export", "people", DATABASE_URL=missing), "buildboard_no_such_database")
    assert safe_url(missing) in line


def test_outbox_status_on_an_unreachable_database_prints_its_json_marked_failing(tmp_path):
    url = f"postgresql+psycopg://bb:{PASSWORD}@127.0.0.1:{free_port()}/bb"
    result = bb(tmp_path, "outbox", "status", DATABASE_URL=url)
    line = one_line_failure(result, "cannot use the database")
    assert PASSWORD not in line + result.stdout
    assert json.loads(result.stdout) == {"status": "unhealthy", "database": "unreachable"}


# --- files -----------------------------------------------------------------------------------------------------------

PEOPLE = (
    "email,name,team,manager_email\n"
    "zoe@example.com,Zoë Ärnberg,Platform,\n"
    "yan@example.com,Yan Ö,Platform,zoe@example.com\n"
)


def test_utf16_with_a_bom_is_read(tmp_path):
    upgraded(tmp_path)
    path = tmp_path / "people-unicode.txt"
    path.write_text(PEOPLE, encoding="utf-16")  # Excel's "Unicode text": UTF-16 with its BOM
    result = bb(tmp_path, "org", "import", str(path))
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert "2 people (2 added" in result.stdout
    exported = bb(tmp_path, "export", "people")
    assert "Zoë Ärnberg" in exported.stdout and exported.stderr == ""


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PEOPLE.encode("latin-1"), "not UTF-8 text"),
        (PEOPLE.encode("cp1252"), "not UTF-8 text"),
        (b"PK\x03\x04" + bytes(range(256)), "ZIP"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(200), "binary"),
    ],
    ids=["latin-1", "windows-1252", "xlsx", "binary"],
)
@pytest.mark.parametrize("kind", ["org", "usage"])
def test_a_file_that_is_not_text_is_refused_naming_it(tmp_path, content, expected, kind):
    upgraded(tmp_path)
    path = tmp_path / f"{kind}-export.csv"
    path.write_bytes(content)
    one_line_failure(bb(tmp_path, kind, "import", str(path)), str(path), expected)


def test_a_missing_file_is_one_line(tmp_path):
    one_line_failure(bb(tmp_path, "org", "import", str(tmp_path / "nope.csv")), "nope.csv", "no such file")


# --- serve: the port and the threads --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--port", "65536"], "65536 is not a port number"),
        (["--port", "-1"], "-1 is not a port number"),
        (["--port", "http"], "is not a port number"),
        (["--threads", "0"], "at least 1"),
        (["--threads", "-3"], "at least 1"),
    ],
)
def test_serve_refuses_a_port_or_thread_count_out_of_range(tmp_path, args, expected):
    one_line_failure(bb(tmp_path, "serve", *args, **TOKENS), expected)
    assert not (tmp_path / "buildboard.db").exists()  # refused before anything was opened


def test_serve_on_a_port_in_use_is_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = bb(tmp_path, "serve", "--host", "127.0.0.1", "--port", str(port), "--no-scheduler", **TOKENS)
    one_line_failure(result, f"port {port} is already in use")


def test_socket_mode_refuses_the_http_options_it_would_ignore(tmp_path):
    result = bb(tmp_path, "serve", "--port", "4000", SLACK_APP_TOKEN="xapp-test", **TOKENS)
    one_line_failure(result, "--port", "Socket Mode")


# --- the demo --------------------------------------------------------------------------------------------------------


def test_demo_below_its_minimum_says_the_minimum(tmp_path):
    one_line_failure(bb(tmp_path, "demo", "--people", str(MIN_PEOPLE - 1)), f"at least {MIN_PEOPLE}")
    one_line_failure(bb(tmp_path, "demo", "--people", "0"), f"at least {MIN_PEOPLE}")


def test_demo_keep_refuses_an_existing_file_and_a_directory_holding_a_demo(tmp_path):
    existing = tmp_path / "notes.txt"
    existing.write_text("mine\n")
    one_line_failure(bb(tmp_path, "demo", "--keep", str(existing)), "existing file")
    assert existing.read_text() == "mine\n"
    earlier = tmp_path / "earlier-demo"
    earlier.mkdir()
    (earlier / "buildboard-demo.db").write_bytes(b"")
    one_line_failure(bb(tmp_path, "demo", "--keep", str(earlier)), "already holds a demo")


def test_demo_runs_at_its_minimum_size(tmp_path):
    result = bb(tmp_path, "demo", "--people", str(MIN_PEOPLE), "--keep", str(tmp_path / "kept"), timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr == ""
    assert (tmp_path / "kept" / "buildboard-demo.db").exists()


# --- options and weeks -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["export", "people", "--week", "2026-W40"], "takes no --week"),
        (["forget", "ann@example.com", "--finish"], "not both"),
        (["export", "usage", "--week", "2026-W99"], "2026-W99"),
        (["serve", "--no-such-option"], "unrecognized arguments"),
        (["nonsense"], "invalid choice"),
        ([], "required"),
    ],
)
def test_options_refused_in_one_line(tmp_path, args, expected):
    one_line_failure(bb(tmp_path, *args), expected)
    assert not (tmp_path / "buildboard.db").exists()


def test_digest_refuses_the_current_and_future_weeks_unless_dry_run(tmp_path):
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from bot.domain.periods import IsoWeek

    current = IsoWeek.current(datetime.now(UTC), ZoneInfo("UTC"))  # BUILDBOARD_TIMEZONE's default
    channel = {"BUILDBOARD_DIGEST_CHANNEL": "C0DIGEST", **TOKENS}
    one_line_failure(bb(tmp_path, "digest", "--week", str(current), **channel), "is not over yet", "--dry-run")
    one_line_failure(bb(tmp_path, "digest", "--week", str(current.next(3)), **channel), "has not started yet")
    upgraded(tmp_path)
    dry = bb(tmp_path, "digest", "--dry-run", "--week", str(current))
    assert dry.returncode == 0 and dry.stderr == "", dry.stderr
    assert dry.stdout.startswith(f"{current} so far")


def test_digest_without_its_channel_says_what_to_set(tmp_path):
    """The scheduled job and the command read the same refusal (bot/services/digest.py: run_digest)."""
    upgraded(tmp_path)
    one_line_failure(bb(tmp_path, "digest", **TOKENS), "BUILDBOARD_DIGEST_CHANNEL is not set", "C0123456789")


# --- read-only commands on a SQLite file that is not there -----------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["export", "usage"],
        ["export", "people", "--format", "json"],
        ["outbox", "status"],
        ["digest", "--dry-run"],
        ["nudge", "--dry-run"],
        ["retention", "--dry-run"],
    ],
)
def test_read_only_commands_do_not_create_a_database(tmp_path, args):
    database = tmp_path / "buildboard.db"
    result = bb(tmp_path, *args)
    one_line_failure(result, "no database at", str(database), "buildboard db upgrade")
    assert not database.exists()
    assert [p.name for p in tmp_path.iterdir()] == []


# --- quiet by default, -v and -vv ------------------------------------------------------------------------------------


def test_a_successful_command_writes_only_its_result(tmp_path):
    result = bb(tmp_path, "db", "upgrade")
    assert result.returncode == 0
    assert result.stderr == ""
    assert result.stdout.startswith("database is at revision") and len(result.stdout.splitlines()) == 1
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE)
    result = bb(tmp_path, "org", "import", str(people))
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.splitlines()[0] == f"{people}: 2 people (2 added, 0 updated, 0 moved, 0 departed)"
    result = bb(tmp_path, "export", "people")
    assert result.returncode == 0 and result.stderr == ""
    assert len(result.stdout.splitlines()) == 3  # header and two people, once


def test_verbose_shows_info_and_very_verbose_debug(tmp_path):
    quiet = bb(tmp_path, "db", "upgrade")
    assert quiet.stderr == ""
    (tmp_path / "buildboard.db").unlink()
    verbose = bb(tmp_path, "-v", "db", "upgrade")
    assert verbose.returncode == 0
    assert " INFO alembic.runtime.migration: Running upgrade" in verbose.stderr
    assert " DEBUG " not in verbose.stderr
    (tmp_path / "buildboard.db").unlink()
    very = bb(tmp_path, "db", "upgrade", "-vv")  # after the command works too
    assert very.returncode == 0
    assert " INFO alembic.runtime.migration: Running upgrade" in very.stderr
    assert " DEBUG " in very.stderr
    assert very.stdout == quiet.stdout  # the result is the same, once, on stdout


def _outbox_job_started(tmp_path: Path) -> str | None:
    """When the serve process's outbox job last started (read by a connection of this test's own)."""
    import sqlite3
    from contextlib import closing

    try:
        with closing(sqlite3.connect(tmp_path / "buildboard.db", timeout=5)) as connection:
            row = connection.execute("SELECT last_started_at FROM job_runs WHERE job = 'outbox'").fetchone()
    except sqlite3.OperationalError:  # the schema is not there yet
        return None
    return row[0] if row else None


def test_serve_logs_where_it_listens_once_and_keeps_the_scheduler_quiet(tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    env = clean_env(tmp_path, BUILDBOARD_OUTBOX_INTERVAL_SECONDS="0.3", BUILDBOARD_LEADER_LEASE_SECONDS="2", **TOKENS)
    for flags, debug in (([], False), (["-vv"], True)):
        with log.open("w") as out:
            process = subprocess.Popen(
                [*executable(), "serve", "--host", "127.0.0.1", "--port", str(port), *flags],
                env=env,
                cwd=tmp_path,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            try:
                deadline = time.monotonic() + 90
                while "listening on" not in log.read_text() and time.monotonic() < deadline:
                    assert process.poll() is None, log.read_text()
                    time.sleep(0.1)
                # Several runs of the 0.3-second outbox job, seen where every run is recorded (job_runs).
                seen = {_outbox_job_started(tmp_path)}
                while len(seen) < 4 and time.monotonic() < deadline:
                    assert process.poll() is None, log.read_text()
                    seen.add(_outbox_job_started(tmp_path))
                    time.sleep(0.1)
                assert len(seen) >= 4, log.read_text()
            finally:
                process.terminate()
                process.wait(timeout=60)
        text = log.read_text()
        assert text.count(f"listening on http://127.0.0.1:{port}/slack/events") == 1, text
        assert "Logging error" not in text and "Traceback" not in text, text
        assert "`token` will be unused" not in text, text
        assert ("Running job" in text) is debug, text
        if not debug:
            assert " DEBUG " not in text and "alembic" not in text, text


# --- settings --------------------------------------------------------------------------------------------------------


def test_an_unknown_setting_is_warned_about_once_with_the_closest_name(tmp_path):
    upgraded(tmp_path)
    (tmp_path / ".env").write_text("BUILDBOARD_TIMEZON=Europe/Berlin\n")
    result = bb(tmp_path, "export", "people", BUILDBOARD_DIGEST_CHANEL="C0DIGEST")
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        "buildboard: warning: BUILDBOARD_DIGEST_CHANEL (in the environment) is not a Buildboard setting; "
        "did you mean BUILDBOARD_DIGEST_CHANNEL?",
        "buildboard: warning: BUILDBOARD_TIMEZON (in .env) is not a Buildboard setting; "
        "did you mean BUILDBOARD_TIMEZONE?",
    ]


def test_a_database_written_by_a_newer_version_is_one_line(tmp_path):
    import sqlite3

    upgraded(tmp_path)
    with sqlite3.connect(tmp_path / "buildboard.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    one_line_failure(bb(tmp_path, "export", "usage"), "9999_from_the_future", "does not know")
    one_line_failure(bb(tmp_path, "db", "upgrade"), "9999_from_the_future")
    status = bb(tmp_path, "outbox", "status")
    one_line_failure(status, "9999_from_the_future")
    assert json.loads(status.stdout)["database"] == "schema not current"
