"""The `buildboard` subcommand table: one ordered list, each entry importable, nothing imported for --help."""

import re
import subprocess
import sys

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
