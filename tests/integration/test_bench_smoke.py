"""The benchmark command runs end to end on a tiny organisation and prints its table of ratios.

Timings are not asserted (the machine is shared): only that every benchmark ran and reported a ratio.
"""

import re

import bench.data
from bench.run import main


def test_bench_quick_runs_and_prints_ratios(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(bench.data, "DATA_DIR", tmp_path / "data")
    main(
        [
            "--quick",
            "--db",
            "sqlite",
            "--people",
            "300",
            "--requests",
            "20",
            "--messages",
            "10",
            "--sqlite-path",
            str(tmp_path / "bench.db"),
        ]
    )
    out = capsys.readouterr().out
    assert "Buildboard benchmarks" in out and "300 people" in out
    rows = {
        cells[2]: cells
        for line in out.splitlines()
        if (cells := [c.strip() for c in line.split("|")])[1:2] == ["sqlite"]
    }
    wanted = (
        "usage import",
        "weekly digest",
        "digest peak memory",
        "/buildboard me",
        "/buildboard team",
        "/buildboard leaderboard",
        "Monday mix:",
        "Monday mix after the nightly team reports",
        "nudge fan-out",
    )
    for name in wanted:
        row = next((cells for benchmark, cells in rows.items() if benchmark.startswith(name)), None)
        assert row is not None, f"{name} missing from:\n{out}"
        assert row[7] in ("pass", "FAIL"), row
        if name != "digest peak memory":
            assert re.fullmatch(r"\d+\.\d\d", row[5]), row  # a ratio against the same run's baseline
    # Charts need no database: their rows come once, with their own baseline (a blank figure) or VmHWM.
    charts = [cells for line in out.splitlines() if (cells := [c.strip() for c in line.split("|")])[1:2] == ["—"]]
    assert [c[2].split(" (")[0] for c in charts] == [
        "digest chart",
        "personal chart",
        "team chart",
        "charts: memory added, one chart",
        "charts: memory added, 10 charts in a row",
    ]
    assert all(re.fullmatch(r"\d+\.\d\d", c[5]) and c[7] in ("pass", "FAIL") for c in charts), charts
    # The cached organisation was written once, outside git.
    assert list((tmp_path / "data").glob("org-300-*/usage.csv"))
