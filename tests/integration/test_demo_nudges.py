"""`buildboard demo` shows the nudge loop: DMs, three simulated answers, the reminder and App Home."""

from datetime import UTC, datetime

from bot.demo.run import run_demo


def test_demo_runs_the_nudge_loop(tmp_path):
    lines: list[str] = []
    assert run_demo(people=240, keep=tmp_path, say=lines.append, now=datetime(2026, 11, 25, 12, tzinfo=UTC)) == 0
    out = "\n".join(lines)
    assert "=== Nudge DMs:" in out and "[ Share what I built ] [ Nothing to show yet ] [ Remind me later ]" in out
    assert "pressed Share and submitted the modal; showcase: posted" in out
    assert "You shared *Invoice matcher*" in out
    assert "Noted: nothing to show yet (Exploring or learning — Trying out coding agents)" in out
    assert "I'll remind you once on Friday 27 Nov" in out
    assert "2 days later: 1 reminder: 1 message posted" in out
    assert "=== App Home of @" in out and "Invoice matcher (https://git.example.com/finance/invoice-matcher)" in out
