"""`buildboard demo` shows the digest opening with its summary (the plain one: the demo has no key)."""

from __future__ import annotations

from bot.demo.run import run_demo


def test_the_demo_digest_opens_with_a_summary_and_shows_the_ai_spend(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-must-not-be-used-by-the-demo")
    lines: list[str] = []
    assert run_demo(people=30, keep=tmp_path, say=lines.append) == 0
    out = "\n".join(lines)
    digest = out.split("--- digest channel ---", 1)[1]
    assert digest.index("*The week in a paragraph*") < digest.index("*Tokens*")
    assert "Summary built from the numbers (no AI this time)." in digest
    assert "*Buildboard's own AI use:* none (AI is off)" in out
    assert "BUILDBOARD_LLM_ENABLED" not in digest  # setting names are for the operator, not the channel
