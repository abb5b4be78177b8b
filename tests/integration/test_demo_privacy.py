"""The demo shows data protection at work: merged team rows, retention, and an erasure."""

from __future__ import annotations

from datetime import UTC, datetime


def test_the_demo_shows_merged_teams_retention_and_forget():
    lines: list[str] = []
    from bot.demo.run import run_demo

    assert run_demo(people=40, say=lines.append, now=datetime(2026, 11, 25, 12, 0, tzinfo=UTC)) == 0
    text = "\n".join(lines)
    assert "=== Data protection ===" in text
    assert "retention: nothing is older than the retention limit (usage before 2025-10-21)" in text
    forgot = [line for line in lines if line.startswith("buildboard forget ")]
    assert len(forgot) == 1 and "email from the people row: 1" in forgot[0]
    team_rows = [line for line in lines if line.startswith("  ") and " people, " in line]
    assert team_rows and all(int(line.split(": ")[1].split(" people")[0]) >= 5 for line in team_rows)
