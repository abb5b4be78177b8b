"""Block Kit for the week in a paragraph and for Buildboard's own AI spend. Pure: values in, blocks out."""

from __future__ import annotations

from bot.domain.money import format_tokens, format_usd
from bot.domain.story import WeekStory
from bot.services.llm_usage import LlmSpend
from bot.slack.blocks.text import context, escape, link, mention, section, truncate

PURPOSE_LABEL = {"digest_summary": "summaries", "work_unit_estimate": "work-unit estimates"}


def _units(value) -> str:
    return f"{value.normalize():f}"


def story_blocks(story: WeekStory) -> list[dict]:
    """The digest's opening: the paragraph, the standouts with their authors, and who wrote it."""
    text = f"*The week in a paragraph*\n{escape(truncate(story.text, 1500))}"
    if story.standouts:
        lines = [
            f"• {link(a.url, truncate(a.title, 150))} — {mention(a.author_slack_id, a.author_name)}"
            f" · {_units(a.work_units)} work units"
            for a in story.standouts
        ]
        text += "\n" + "\n".join(lines)
    if story.source == "ai":
        note = f"Written by {escape(story.model or 'an AI model')} from the titles and descriptions people shared."
    else:
        note = "Summary built from the numbers (no AI this time)."
    return [section(text), context(note)]


def ai_spend_text(spend: LlmSpend, *, llm_off: str | None = None) -> str:
    """One line on what Buildboard itself spent on AI in the last 7 days (`llm_off`: why there is no LLM)."""
    if spend.calls == 0:
        if llm_off:
            return f"*Buildboard's own AI use:* none ({escape(llm_off)}), so summaries come from the numbers."
        return "*Buildboard's own AI use in the last 7 days:* none."
    parts = ", ".join(f"{PURPOSE_LABEL.get(p, p)} {n}" for p, n in sorted(spend.by_purpose.items()))
    cost = format_usd(spend.cost_usd)
    if spend.unpriced_calls:
        cost += f" (plus {_calls(spend.unpriced_calls)} to a model with no known price)"
    return (
        f"*Buildboard's own AI use in the last 7 days:* {_calls(spend.calls)} ({parts}), "
        f"{format_tokens(spend.tokens)} tokens, {cost}."
    )


def _calls(n: int) -> str:
    return "1 call" if n == 1 else f"{n} calls"
