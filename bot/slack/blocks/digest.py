"""Block Kit for the weekly digest. Pure: values in, blocks out, always within Slack's limits."""

from __future__ import annotations

from bot.domain.chart import chart_alt_text, digest_chart
from bot.domain.digest import BoardEntry, Highlight, TitleLine, WeeklyDigest
from bot.domain.groups import OTHER_TEAMS, TeamFigure
from bot.domain.money import format_tokens, format_usd
from bot.domain.stats import change_ratio
from bot.domain.text import plural
from bot.domain.titles import ordinal
from bot.slack.blocks.endorse import endorse_button
from bot.slack.blocks.story import ai_spend_text, story_blocks
from bot.slack.blocks.text import (
    context,
    divider,
    escape,
    fields_section,
    header,
    link,
    mention,
    percent_change,
    section,
    truncate,
    units,
    work_units_label,
)

RANK_LABEL = {"work_units": "work units", "tokens": "tokens", "spend": "spend"}
SHARE_ACTION_ID = "open_share_modal"
MAX_LINK_URL = 500  # a longer link is shown as the plain title, so the whole message always fits
MAX_NAME = 40  # names shown without a Slack id are cut to this
MAX_TEAM_NAME = 60
TEAM_ROWS_SHOWN = 25
TEAM_ROWS_PER_SECTION = 12


def who(slack_user_id: str | None, name: str | None) -> str:
    """A mention, or the (shortened, escaped) name when the Slack id is unknown."""
    return mention(slack_user_id, truncate(name, MAX_NAME) if name else name)


def board_line(entry: BoardEntry) -> str:
    """One board line: output figures, and usage figures only when the entry carries them (spend public)."""
    line = (
        f"{entry.position}. {who(entry.slack_user_id, entry.name)} — *{work_units_label(entry.work_units)}*"
        f" · {entry.artifacts} counted"
    )
    if entry.tokens is not None:
        line += f" · {format_tokens(entry.tokens)} tokens"
    if entry.spend_usd is not None:
        line += f" · {format_usd(entry.spend_usd)}"
    if entry.cost_per_work_unit is not None:
        line += f" · {format_usd(entry.cost_per_work_unit)}/unit"
    return line


def people_line(active_people: int, with_output: int) -> str:
    """'214 people used AI this week; 8 shared what they built' (or 'Nobody used AI tools this week.')."""
    if active_people == 0 and with_output == 0:
        return "Nobody used AI tools this week."
    used = f"{active_people} {'person' if active_people == 1 else 'people'} used AI this week"
    shared = f"{with_output} shared what they built" if with_output else "nobody has shared what they built yet"
    return f"{used}; {shared}."


def _metric_text(line: TitleLine) -> str:
    value = line.metric_value
    if value is None:  # not a public figure this week
        return ""
    return {
        "tokens": lambda: f"{format_tokens(int(value))} tokens",
        "spend_usd": lambda: format_usd(value),
        "active_days": lambda: f"{int(value)} active day{'s' if int(value) != 1 else ''}",
        "artifacts": lambda: f"{int(value)} shared",
        "work_units": lambda: work_units_label(value),
        "cost_per_work_unit": lambda: f"{format_usd(value)} per work unit",
        "work_units_gain": lambda: f"+{units(value)} work units on last week",
    }.get(line.metric, lambda: "")()


def _title_line(line: TitleLine) -> str:
    holders = []
    for holder in line.holders:
        text = who(holder.slack_user_id, holder.name)
        if holder.streak_weeks > 1:
            text += f" ({ordinal(holder.streak_weeks)} week running)"
        holders.append(text)
    names = ", ".join(holders)
    if line.more_holders:
        names += f" and {line.more_holders} more"
    metric = _metric_text(line)
    emoji = f"{line.emoji} " if line.emoji else ""
    return f"{emoji}*{escape(line.name)}* — {names}" + (f" · {metric}" if metric and len(line.holders) == 1 else "")


def _highlight_line(item: Highlight) -> str:
    url = (
        item.url
        if item.url and item.url.startswith(("https://", "http://")) and len(item.url) <= MAX_LINK_URL
        else None
    )
    title = truncate(item.title, 150)
    label = link(url, title) if url else escape(title)
    return f"*{label}* by {who(item.author_slack_user_id, item.author_name)} — {work_units_label(item.work_units)}"


def _highlight_block(item: Highlight) -> dict:
    """A highlight; one with a link carries the "I use this" button, its label the number of colleagues using it."""
    block = section(_highlight_line(item))
    if item.url:
        block["accessory"] = endorse_button(item.artifact_id, item.endorsements)
    return block


def share_button(value: str = "digest") -> dict:
    return {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Share what I built", "emoji": True},
                "action_id": SHARE_ACTION_ID,
                "value": value,
                "style": "primary",
            }
        ],
    }


def digest_blocks(digest: WeeklyDigest) -> list[dict]:
    totals, previous = digest.totals, digest.previous
    shown = digest.totals_shown
    evidence = totals.evidence_ratio if shown else None
    verified = totals.verified_ratio if shown else None
    summary = digest.summary
    hidden = "not shown (see below)"
    blocks: list[dict] = [
        header(f"Buildboard · {digest.week.label()}"),
        *(story_blocks(summary) if summary else []),  # the week in a paragraph opens the digest
        fields_section(
            [
                f"*Tokens*\n{format_tokens(totals.tokens)} "
                f"({percent_change(change_ratio(totals.tokens, previous.tokens))})"
                if shown
                else f"*Tokens*\n{hidden}",
                f"*Spend*\n{format_usd(totals.spend_usd)} "
                f"({percent_change(change_ratio(totals.spend_usd, previous.spend_usd))})"
                if shown
                else f"*Spend*\n{hidden}",
                f"*Active people*\n{totals.active_people} "
                f"({percent_change(change_ratio(totals.active_people, previous.active_people))})",
                f"*Artifacts shared*\n{totals.artifacts} "
                f"({percent_change(change_ratio(totals.artifacts, previous.artifacts))})",
                f"*Work units*\n{units(totals.work_units)} "
                f"({percent_change(change_ratio(totals.work_units, previous.work_units))})",
                "*Evidence ratio*\n"
                + (
                    # Said once, with what it means.
                    f"{evidence * 100:.0f}% of spend by people with counted output · "
                    f"{(verified or 0) * 100:.0f}% verified"
                    if evidence is not None
                    else (hidden if not shown else "no spend")
                ),
            ]
        ),
    ]
    if digest.seat_cost_usd and shown:
        # Seats apart from use (spend above is usage cost), then together; hidden with the spend.
        blocks.append(
            context(
                f"Seats: {format_usd(digest.seat_cost_usd)} this week · spend and seats together: "
                f"{format_usd(totals.spend_usd + digest.seat_cost_usd)}"
            )
        )
    if not shown:
        blocks.append(
            context(
                f"Tokens, spend, the evidence ratio and the chart are left out this week: with spend public, fewer "
                f"than {digest.min_group_size} active people are not named here, so they would single someone out."
            )
        )
    blocks.append(divider())
    ranked_by = RANK_LABEL.get(digest.rank_by, digest.rank_by)
    who_used = people_line(totals.active_people, totals.people_with_output)
    if digest.leaderboard:
        lines = "\n".join(board_line(e) for e in digest.leaderboard)
        blocks.append(section(f"*Leaderboard* (by {ranked_by})\n{lines}"))
    else:
        blocks.append(section(f"*Leaderboard*\n{who_used}"))
    if digest.leaderboard or totals.active_people or totals.people_with_output:
        note = "Only people with counted output are ranked: what was built, not tokens burned."
        blocks.append(context(f"{who_used} {note}" if digest.leaderboard else note))
    titles = digest.titles
    if titles:
        blocks.append(divider())
        blocks.append(section("*Titles*\n" + "\n".join(_title_line(t) for t in titles)))
    items = digest.highlights
    if items:
        blocks.append(divider())
        blocks.append(section("*Highlights*"))
        blocks.extend(_highlight_block(item) for item in items[:5])
    blocks.append(share_button())
    blocks.append(context("Per-team detail and the chart of the last weeks are in the thread."))
    return blocks


def _team_line(row: TeamFigure) -> str:
    name = escape(truncate(row.team, MAX_TEAM_NAME))
    if row.team == OTHER_TEAMS and row.merged_teams:
        # Small teams, and any team folded in so the merged row itself names nobody (bot/domain/groups.py).
        name += f" ({plural(len(row.merged_teams), 'team')} merged so nobody is singled out)"
    return (
        f"*{name}* — {row.active_people} active · {format_tokens(row.tokens)} tokens · {format_usd(row.spend_usd)}"
        f" · {row.artifacts} shared · {work_units_label(row.work_units)}"
    )


def team_thread_blocks(digest: WeeklyDigest) -> list[dict]:
    """The thread reply: per-team detail, small teams merged (the channel is public), and Buildboard's AI spend."""
    blocks = _team_blocks(digest)
    if digest.ai_spend is not None:
        blocks += [divider(), section(ai_spend_text(digest.ai_spend.spend, llm_off=digest.ai_spend.llm_off))]
    return blocks


def _team_blocks(digest: WeeklyDigest) -> list[dict]:
    rows = digest.teams
    min_size = digest.min_group_size or 1
    blocks = [section(f"*By team* · {digest.week.label()}")]
    if not rows:
        blocks.append(section("No team had enough active people to show on its own this week."))
        return blocks
    # The merged "Other teams" row (sorted last) is always shown: it stands for everyone not listed.
    named = [r for r in rows if r.team != OTHER_TEAMS]
    other = [r for r in rows if r.team == OTHER_TEAMS]
    shown = named[: TEAM_ROWS_SHOWN - len(other)] + other
    for start in range(0, len(shown), TEAM_ROWS_PER_SECTION):
        blocks.append(section("\n".join(_team_line(r) for r in shown[start : start + TEAM_ROWS_PER_SECTION])))
    if len(rows) > len(shown):
        # No operator command here: the channel's readers cannot run one.
        blocks.append(context(f"…and {len(rows) - len(shown)} more teams, not listed here."))
    blocks.append(
        context(
            f"Teams with fewer than {min_size} active people besides those named in the digest are merged, "
            "so nobody is singled out."
        )
    )
    return blocks


def chart_comment(digest: WeeklyDigest) -> str:
    """The chart's caption and alt text: the same numbers as the picture, in words."""
    return chart_alt_text(digest_chart(digest.chart, digest.week))


def mentioned_names(digest: WeeklyDigest) -> dict[str, str]:
    """Slack id → name of everyone the digest mentions, to print it for a person to read (a dry run)."""
    people = [(e.slack_user_id, e.name) for e in digest.leaderboard]
    people += [(h.slack_user_id, h.name) for line in digest.titles for h in line.holders]
    people += [(h.author_slack_user_id, h.author_name) for h in digest.highlights]
    if digest.summary is not None:
        people += [(a.author_slack_id, a.author_name) for a in digest.summary.standouts]
    return {slack_id: name for slack_id, name in people if slack_id and name}


def digest_text(digest: WeeklyDigest) -> str:
    """The notification / fallback text."""
    totals = digest.totals
    if not digest.totals_shown:
        return f"Buildboard {digest.week}: {totals.artifacts} artifacts shared by the organisation."
    return (
        f"Buildboard {digest.week}: {format_tokens(totals.tokens)} tokens, {format_usd(totals.spend_usd)}, "
        f"{totals.artifacts} artifacts shared by the organisation."
    )
