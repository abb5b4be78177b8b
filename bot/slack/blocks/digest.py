"""Block Kit for the weekly digest. Pure: values in, blocks out."""

from __future__ import annotations

from bot.domain.digest import BoardEntry, WeeklyDigest
from bot.domain.money import format_tokens, format_usd
from bot.domain.stats import change_ratio
from bot.slack.blocks.story import story_blocks
from bot.slack.blocks.text import context, divider, fields_section, header, mention, percent_change, section

RANK_LABEL = {"work_units": "work units", "tokens": "tokens", "spend": "spend"}


def _board_line(entry: BoardEntry) -> str:
    cost = format_usd(entry.cost_per_work_unit) + "/unit" if entry.cost_per_work_unit is not None else "no output yet"
    return (
        f"{entry.position}. {mention(entry.slack_user_id, entry.name)} — *{entry.work_units.normalize():f} work units*"
        f" · {entry.artifacts} shared · {format_tokens(entry.tokens)} tokens · {format_usd(entry.spend_usd)}"
        f" · {cost}"
    )


def digest_blocks(digest: WeeklyDigest) -> list[dict]:
    totals, previous = digest.totals, digest.previous
    evidence = totals.evidence_ratio
    blocks: list[dict] = [
        header(f"Buildboard · {digest.week.label()}"),
        *(story_blocks(digest.extras["summary"]) if digest.extras.get("summary") else []),
        fields_section(
            [
                f"*Tokens*\n{format_tokens(totals.tokens)} "
                f"({percent_change(change_ratio(totals.tokens, previous.tokens))})",
                f"*Spend*\n{format_usd(totals.spend_usd)} "
                f"({percent_change(change_ratio(totals.spend_usd, previous.spend_usd))})",
                f"*Active people*\n{totals.active_people} "
                f"({percent_change(change_ratio(totals.active_people, previous.active_people))})",
                f"*Artifacts shared*\n{totals.artifacts} "
                f"({percent_change(change_ratio(totals.artifacts, previous.artifacts))})",
            ]
        ),
    ]
    if evidence is not None:
        blocks.append(
            context(f"*{evidence * 100:.0f}%* of this week's spend came from people who showed what they built.")
        )
    blocks.append(divider())
    ranked_by = RANK_LABEL.get(digest.rank_by, digest.rank_by)
    if digest.leaderboard:
        lines = "\n".join(_board_line(e) for e in digest.leaderboard)
        blocks.append(section(f"*Leaderboard* (by {ranked_by})\n{lines}"))
    else:
        blocks.append(section("*Leaderboard*\nNobody used AI tools this week."))
    blocks.append(context("Ranked by what was built, not by tokens burned. Share yours with `/buildboard share`."))
    return blocks


def digest_text(digest: WeeklyDigest) -> str:
    """The notification / fallback text."""
    totals = digest.totals
    return (
        f"Buildboard {digest.week}: {format_tokens(totals.tokens)} tokens, {format_usd(totals.spend_usd)}, "
        f"{totals.artifacts} artifacts shared by the organisation."
    )
