"""Block Kit for a person's own numbers."""

from __future__ import annotations

from bot.domain.money import format_tokens, format_usd
from bot.services.personal import MyWeek
from bot.slack.blocks.team import flag_text
from bot.slack.blocks.text import context, escape, fields_section, header, link, section

MAX_ARTIFACTS_LISTED = 10


def _week_fields(mine: MyWeek) -> list[str]:
    stats = mine.stats
    rank = f"#{mine.position} of {mine.ranked_people}" if mine.position else "not ranked (no activity)"
    cost = format_usd(stats.cost_per_artifact) if stats.cost_per_artifact is not None else "—"
    return [
        f"*Tokens*\n{format_tokens(stats.tokens)}",
        f"*Spend*\n{format_usd(stats.spend_usd)}",
        f"*Rank*\n{rank}",
        f"*Artifacts*\n{stats.artifacts} ({stats.work_units.normalize():f} work units)",
        f"*Active days*\n{stats.active_days}",
        f"*Cost per artifact*\n{cost}",
    ]


def me_blocks(current: MyWeek, last: MyWeek, *, titles=(), flags=()) -> list[dict]:
    """`titles`: (IsoWeek, title name) pairs; `flags`: the flags on you for last week (what your manager sees)."""
    blocks: list[dict] = [header("Your AI use and what you built")]
    for label, mine in (
        (f"This week so far · {current.week.label()}", current),
        (f"Last week · {last.week.label()}", last),
    ):
        blocks.append(section(f"*{label}*"))
        blocks.append(fields_section(_week_fields(mine)))
        if mine.artifacts:
            lines = [f"• {link(a.url, a.title or 'untitled')}" for a in mine.artifacts[:MAX_ARTIFACTS_LISTED]]
            blocks.append(section("*Shared*\n" + "\n".join(lines)))
    if titles:
        blocks.append(section("*Your titles*\n" + "\n".join(f"• {escape(name)} ({week})" for week, name in titles)))
    if flags:
        blocks.append(
            section(
                f"*Flags on you for {last.week}* (your manager sees these too)\n"
                + "\n".join(f"• {flag_text(f)}" for f in flags)
            )
        )
    blocks.append(context("Only you can see this. `/buildboard share` to add what you built."))
    return blocks


def not_known_blocks() -> dict:
    text = (
        "I can't find you in Buildboard's people list yet, so I have no numbers for you. "
        "Ask your Buildboard admin to add your email to the people file."
    )
    return {"text": text, "blocks": [section(escape(text))]}
