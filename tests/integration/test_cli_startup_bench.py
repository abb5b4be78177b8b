"""The start-up benchmark runs and prints a ratio for every command's --help (timings are not asserted)."""

import re

from bench.cli_startup import main
from bot.cli import COMMANDS


def test_cli_startup_bench_prints_a_ratio_per_command(capsys):
    main(["--repeats", "1", "--only", "help"])
    out = capsys.readouterr().out
    rows = {
        cells[2]: cells
        for line in out.splitlines()
        if (cells := [c.strip() for c in line.split("|")])[1:2] == ["sqlite"]
    }
    wanted = ["buildboard --help", "buildboard --version"] + [
        f"buildboard {' '.join(c.words)} --help" for c in COMMANDS
    ]
    assert sorted(rows) == sorted(wanted)
    for row in rows.values():
        assert re.fullmatch(r"\d+\.\d\d", row[5]), row
        assert row[7] in ("pass", "FAIL"), row
