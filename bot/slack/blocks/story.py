"""Block Kit for the week in a paragraph and for Buildboard's own AI spend. Pure: values in, blocks out."""

from __future__ import annotations

from bot.domain.digest import LlmSpend
from bot.domain.money import format_tokens, format_usd
from bot.domain.story import WeekStory
from bot.slack.blocks.text import context, escape, link, mention, section, truncate, work_units_label

PURPOSE_LABEL = {"digest_summary": "summaries", "work_unit_estimate": "work-unit estimates"}
MAX_LINK_URL = 300  # a longer link is shown as the plain title, so the section always fits
PARAGRAPH_LIMIT = 1500  # characters after escaping (& → &amp; can make text five times longer)


def _title(url: str | None, title: str) -> str:
    short = truncate(title, 100)
    if url and url.startswith(("https://", "http://")) and len(url) <= MAX_LINK_URL:
        return link(url, short)
    return escape(short)


def _author(slack_user_id: str | None, name: str | None) -> str:
    return mention(slack_user_id, truncate(name, 40) if name else None)


def _escaped_within(text: str, limit: int) -> str:
    """`text` escaped, cut (before escaping, so no entity is split) to the longest prefix that fits `limit`."""
    if len(escape(text)) <= limit:
        return escape(text)
    low, high = 1, len(text)  # the longest cut whose escaped form fits
    while low < high:
        middle = (low + high + 1) // 2
        if len(escape(truncate(text, middle))) <= limit:
            low = middle
        else:
            high = middle - 1
    return escape(truncate(text, low))


def story_blocks(story: WeekStory) -> list[dict]:
    """The digest's opening: the paragraph, the standouts with their authors, and who wrote it."""
    blocks = [section(f"*The week in a paragraph*\n{_escaped_within(story.text, PARAGRAPH_LIMIT)}")]
    if story.standouts:
        blocks.append(
            section(
                "*Standouts:* "
                + " · ".join(
                    f"{_title(a.url, a.title)} by {_author(a.author_slack_id, a.author_name)}, "
                    f"{work_units_label(a.work_units)}"
                    for a in story.standouts
                )
            )
        )
    if story.source == "ai":
        note = f"Written by {escape(story.model or 'an AI model')} from the titles and descriptions people shared."
    else:
        note = "Summary built from the numbers (no AI this time)."
    return [*blocks, context(note)]


def ai_spend_text(spend: LlmSpend, *, llm_off: str | None = None) -> str:
    """One line on what Buildboard itself spent on AI in the last 7 days.

    `llm_off` (why there is no LLM) only says that AI is off: the reason names settings, which are for
    the operator (the CLI prints it), not for the channel.
    """
    if spend.calls == 0:
        if llm_off:
            return "*Buildboard's own AI use:* none (AI is off), so summaries come from the numbers."
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
