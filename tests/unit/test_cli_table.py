"""The `buildboard` subcommand table: one ordered list, each entry importable, nothing imported for --help."""

import json
import re
import subprocess
import sys
from pathlib import Path

from bot.cli import COMMANDS, build_parser, implementation


def test_every_subcommand_names_an_implementation_that_exists():
    for command in COMMANDS:
        assert callable(implementation(command)), command.implementation


def test_help_lists_the_subcommands_in_the_tables_order():
    listed = re.findall(r"^    (\S+)", build_parser().format_help(), re.M)
    assert listed == list(dict.fromkeys(c.words[0] for c in COMMANDS))


def test_help_imports_no_command_implementation():
    probe = (
        "import sys, contextlib, io\n"
        "from bot.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])\n"
        "heavy = ('bot.commands.', 'bot.runtime', 'bot.slack', 'sqlalchemy')\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(heavy))\n"
        "print(loaded)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['bot.commands.common']"


HEAVY = ("slack_bolt", "slack_sdk", "openai", "anthropic", "alembic", "sqlalchemy", "apscheduler", "matplotlib")


def test_no_commands_help_imports_a_heavy_library():
    """`buildboard X --help` imports only argparse and our light modules: it starts in well under 0.5 s
    (measured in bench/cli_startup.py; not timed here)."""
    probe = (
        "import sys, contextlib, io, json\n"
        "from bot.cli import COMMANDS, main\n"
        f"heavy = {HEAVY!r}\n"
        "found = {}\n"
        "for command in COMMANDS:\n"
        "    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "        main([*command.words, '--help'])\n"
        "    found[' '.join(command.words)] = sorted({m.split('.')[0] for m in sys.modules if m.startswith(heavy)})\n"
        "print(json.dumps(found))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    found = json.loads(out)
    assert set(found) == {" ".join(c.words) for c in COMMANDS}
    assert {command: modules for command, modules in found.items() if modules} == {}


def readme_commands() -> list[str]:
    """The first column of the README's command table, e.g. "buildboard usage sync openai|anthropic …"."""
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = text.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(buildboard [^`]*)`", section, re.M)


def table_words(entry: str) -> tuple[str, ...]:
    """The subcommand a table entry names: its lowercase words after `buildboard`, up to the first argument."""
    words = []
    for word in entry.split()[1:]:
        if not re.fullmatch(r"[a-z][a-z-]*", word):
            break
        words.append(word)
    return tuple(words)


def test_the_readme_command_table_and_the_cli_agree():
    cli = {c.words for c in COMMANDS}
    table = [table_words(entry) for entry in readme_commands()]
    # An entry names a command when its words start with the command's (`export usage|people …` names `export`).
    named = {next((words[:n] for n in (2, 1) if words[:n] in cli), words) for words in table}
    assert named - cli == set(), "in the README's command table but not a command"
    assert cli - named == set(), "commands missing from the README's command table"
    assert len(table) == len(named), "a command listed twice in the README's table"


def test_version_is_the_installed_packages():
    from importlib.metadata import version

    out = subprocess.run([sys.executable, "-m", "bot.cli", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout == f"buildboard {version('buildboard')}\n" and out.stderr == ""
