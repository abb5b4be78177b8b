"""`buildboard demo` shows a manager's team and an employee's refused request, through the real Bolt app."""

from bot.demo.run import run_demo
from tests.conftest import NOW


def test_demo_shows_a_team_and_a_polite_refusal():
    lines: list[str] = []
    assert run_demo(people=60, say=lines.append, now=NOW) == 0
    out = "\n".join(lines)
    team = out[out.index("=== /buildboard team, as") : out.index("=== /buildboard user")]
    refusal = out[out.index("=== /buildboard user") : out.index("Done.")]
    assert "*Spend*" in team and "Everyone with activity" in team and "$" in team
    body = refusal.split("\n", 2)[1]
    assert "I can't show that person's numbers" in body and "/buildboard me" in body
    assert "$" not in body and "tokens" not in body
