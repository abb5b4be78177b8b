"""`buildboard demo` shows a digest with titles, highlights, the team thread and the charts (kept in --keep DIR)."""

from datetime import UTC, datetime

from bot.demo.run import run_demo


def test_the_demo_digest_shows_titles_and_highlights(tmp_path):
    lines: list[str] = []
    code = run_demo(people=80, keep=tmp_path, say=lines.append, now=datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    out = "\n".join(lines)
    assert code == 0
    assert "posted the digest for 2026-W47" in out
    for expected in (
        "*Leaderboard* (by work units)",
        "*Titles*",
        "*Builder of the Week* — @",
        "(3rd week running)",  # the same person built the most three weeks in a row
        "*Highlights*",
        "[ Share what I built ]",
        "*By team* · Week 47",
        "buildboard-2026-W47.png",
        "export artifacts --week 2026-W47",
    ):
        assert expected in out, expected
    assert (tmp_path / "buildboard-demo.db").exists()
    # The charts it posted (the digest's, the sharer's App Home trend, the manager's team chart), to open.
    for name in ("buildboard-2026-W47.png", "buildboard-you-2026-W48.png", "buildboard-team-chart.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert name in out
    assert "presses Chart ===\nSent you the chart in a DM." in out
