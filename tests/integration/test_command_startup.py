"""What a `buildboard` command does to start and to end, beside its work (issue 20).

Start-up is measured by bench/cli_startup.py, never timed here; this checks the discipline behind it: on a
database whose schema is current a command imports no Slack, LLM, GitHub, chart, HTTP-client or scheduler
library, no Alembic (the schema check is one SELECT against the head read from migrations/versions), and
on SQLite not PostgreSQL's dialect either; and its process ends without a last garbage collection over
everything it loaded, its database connections closed first.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, event

from bot.db.engine import make_engine

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
    # Last, as they write people (the test writes people.csv into the working directory).
    "org import --dry-run people.csv": 0,
    "org import --no-slack people.csv": 0,
}
PEOPLE_CSV = "email,name,team,manager_email\nboss@example.com,Boss,Core,\nann@example.com,Ann,Core,boss@example.com\n"
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


def _current_database(tmp_path: Path) -> dict[str, str]:
    """The environment of a SQLite file at the head revision (migrated by another process)."""
    env = _environment(tmp_path / "buildboard.db")
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"], env=env, cwd=tmp_path, check=True, capture_output=True
    )
    return env


def test_commands_on_a_current_schema_import_no_sdk_no_alembic_and_no_other_dialect(tmp_path):
    env = _current_database(tmp_path)
    (tmp_path / "people.csv").write_text(PEOPLE_CSV)
    probe = [sys.executable, "-c", PROBE, json.dumps(list(COMMANDS)), *UNUSED]
    out = subprocess.run(probe, env=env, cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    found = json.loads(out)
    assert {command: code for command, (code, _) in found.items()} == COMMANDS
    # One process runs them in turn: each command is charged with what it imported that was not loaded yet.
    assert {command: loaded for command, (_, loaded) in found.items() if loaded} == {}


SERVE_PROBE = """
import sys
from bot.jobs.schedule import JobScheduler
from bot.runtime import Runtime
from bot.settings import Settings
from bot.slack.app import create_app
from bot.slack.http import make_server

rt = Runtime(Settings())
create_app(rt)
JobScheduler(rt)  # its lease reads the database: the schema check runs too
unused = sys.argv[1:]
print(sorted({u for u in unused for m in sys.modules if m == u or m.startswith(u + ".")}))
"""


def test_serve_builds_its_app_and_scheduler_without_the_llm_github_or_chart_libraries(tmp_path):
    """What `serve` builds before it listens: Slack, the scheduler and waitress, but not what only a job uses."""
    env = dict(_current_database(tmp_path), SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET="test-secret")
    unused = ("openai", "anthropic", "githubkit", "matplotlib", "httpx", "alembic", "sqlalchemy.dialects.postgresql")
    probe = [sys.executable, "-c", SERVE_PROBE, *unused]
    out = subprocess.run(probe, env=env, cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_schema_check_of_a_current_database_is_one_select(database_url):
    """Every command checks the schema: on a database at head that is one SELECT, no catalog query before it."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "alembic_version" in f"{statement} {parameters}":
            seen.append(" ".join(statement.split()))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        make_engine(database_url).dispose()
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert seen == ["SELECT version_num FROM alembic_version"]


EXIT_PROBE = """
import atexit, gc, sys
from pathlib import Path
from bot.cli import main

database = Path(sys.argv[1])
main(["export", "people"])  # called with its arguments (as tests do): the process goes on, nothing is frozen
in_process = gc.get_freeze_count()


def at_exit():  # after main() returned, as the interpreter ends
    left = sorted(p.name for p in database.parent.glob(database.name + "-*"))
    print(in_process, gc.get_freeze_count() > 10_000, left)


atexit.register(at_exit)
sys.argv = ["buildboard", "usage", "import", sys.argv[2]]
sys.exit(main())
"""


def test_a_command_process_ends_with_its_objects_frozen_and_its_database_closed(tmp_path):
    env = _current_database(tmp_path)
    usage = tmp_path / "usage.csv"
    usage.write_text(
        "email,date,provider,model,input_tokens,output_tokens\na@example.com,2026-11-23,openai,gpt-4.1,10,5\n"
    )
    database = tmp_path / "buildboard.db"
    probe = [sys.executable, "-c", EXIT_PROBE, str(database), str(usage)]
    done = subprocess.run(probe, env=env, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    # Nothing frozen by a call with arguments; everything by the process's own command; and the import's
    # connection closed (SQLite removes its -wal and -shm files when the last connection closes).
    assert done.stdout.splitlines()[-1] == "0 True []"


PAUSE_PROBE = """
import gc, json, sys
import bot.commands.common as common
from bot.cli import main

seen = {}
real = common.runtime


def runtime(*args, **kwargs):  # what the collector was doing while the command imported, and after
    seen["before"] = gc.isenabled()
    rt = real(*args, **kwargs)
    seen["after"] = [gc.isenabled(), gc.get_freeze_count() > 10_000, "sqlalchemy.orm" in sys.modules]
    return rt


common.runtime = runtime
main(["outbox", "status"])  # called with its arguments (as tests do): the collector is left alone
seen["with_arguments"] = [seen.pop("before"), gc.get_freeze_count()]
sys.argv = ["buildboard", "outbox", "status"]
try:
    main()
finally:
    print(json.dumps(seen))
"""


def test_a_command_process_collects_no_garbage_until_its_libraries_are_imported(tmp_path):
    """The process's own command pauses the garbage collector until `runtime()` has imported the database's
    libraries, then freezes them and collects as usual (bot/commands/common.py: quick_start, started)."""
    env = _current_database(tmp_path)
    done = subprocess.run([sys.executable, "-c", PAUSE_PROBE], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen == {"with_arguments": [True, 0], "before": False, "after": [True, True, True]}
