"""What a `buildboard` command imports on a database whose schema is current: only what it uses (issue 20).

Start-up is measured by bench/cli_startup.py, never timed here; this checks the discipline behind it: no
Slack, LLM, GitHub, chart, HTTP-client or scheduler library, no Alembic (the schema check is one SELECT
against the head read from migrations/versions), and on SQLite not PostgreSQL's dialect either.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNUSED = (
    "slack_sdk",
    "slack_bolt",
    "openai",
    "anthropic",
    "githubkit",
    "matplotlib",
    "httpx",
    "apscheduler",
    "waitress",
    "alembic",
    "sqlalchemy.dialects.postgresql",
)
# Each command with the exit code it ends with on an empty database (forget: nobody has that email).
COMMANDS = {
    "export people": 0,
    "export usage --format json": 0,
    "export artifacts": 0,
    "export awards": 0,
    "export audit": 0,
    "outbox status": 0,
    "digest --dry-run": 0,
    "nudge --dry-run": 0,
    "retention --dry-run": 0,
    "estimate": 0,
    "prices check": 0,
    "forget nobody@example.com": 2,
}
PROBE = """
import contextlib, io, json, sys
from bot.cli import main
unused = sys.argv[2:]
found = {}
for command in json.loads(sys.argv[1]):
    before = set(sys.modules)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(command.split())
    new = set(sys.modules) - before
    found[command] = [code, sorted({u for u in unused for m in new if m == u or m.startswith(u + ".")})]
print(json.dumps(found))
"""


def _environment(database: Path) -> dict[str, str]:
    """This checkout, a SQLite file, and none of the operator's Slack, LLM or GitHub settings."""
    secrets = ("SLACK_", "BUILDBOARD_", "DATABASE_URL", "OPENAI_", "ANTHROPIC_", "GITHUB_", "CURSOR_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(secrets)}
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=f"sqlite:///{database}")
    return env


def test_commands_on_a_current_schema_import_no_sdk_no_alembic_and_no_other_dialect(tmp_path):
    env = _environment(tmp_path / "buildboard.db")
    subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], env=env, cwd=tmp_path, check=True)
    probe = [sys.executable, "-c", PROBE, json.dumps(list(COMMANDS)), *UNUSED]
    out = subprocess.run(probe, env=env, cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    found = json.loads(out)
    assert {command: code for command, (code, _) in found.items()} == COMMANDS
    # One process runs them in turn: each command is charged with what it imported that was not loaded yet.
    assert {command: loaded for command, (_, loaded) in found.items() if loaded} == {}
