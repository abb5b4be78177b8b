"""Block Kit for a person's own numbers."""

from __future__ import annotations

from bot.domain.money import format_tokens, format_usd
from bot.domain.privacy import who_sees_your_numbers
from bot.domain.reports import VIEWS_SHOWN_DAYS, MyWeek, ViewedBy
from bot.slack.blocks.team import flag_text
from bot.slack.blocks.text import context, escape, fields_section, header, link, mention, section

MAX_ARTIFACTS_LISTED = 10
MAX_VIEWERS_LISTED = 15
VIEW_ACTIONS = {"team": "in team stats", "user": "looked you up", "export": "in an export"}


def _week_fields(mine: MyWeek) -> list[str]:
    stats = mine.stats
    rank = f"#{mine.position} of {mine.ranked_people}" if mine.position else "not ranked (no counted output)"
    cost = format_usd(stats.cost_per_artifact) if stats.cost_per_artifact is not None else "—"
    fields = [
        f"*Tokens*\n{format_tokens(stats.tokens)}",
        f"*Spend*\n{format_usd(stats.spend_usd)}",
        f"*Rank*\n{rank}",
        f"*Artifacts counted*\n{stats.artifacts} ({stats.work_units.normalize():f} work units)",
        f"*Active days*\n{stats.active_days}",
        f"*Cost per artifact*\n{cost}",
    ]
    if mine.seat_cost_usd:
        # Seats apart from use, then together: a seat is paid whether or not it is used.
        fields.append(
            f"*Seat cost*\n{format_usd(mine.seat_cost_usd)} "
            f"(with spend: {format_usd(stats.spend_usd + mine.seat_cost_usd)})"
        )
    if mine.code is not None and mine.code.any:
        # Automatic evidence of output, beside the spend: what the coding agent committed and opened.
        code = mine.code
        if code.commits or code.pull_requests or code.sessions:
            fields += [
                f"*Commits by Claude Code*\n{code.commits:,}",
                f"*Pull requests by Claude Code*\n{code.pull_requests:,}",
            ]
        if code.cursor_requests or code.accepted_lines:
            fields.append(
                f"*In Cursor*\n{code.agent_requests:,} agent · {code.composer_requests:,} composer · "
                f"{code.chat_requests:,} chat requests · {code.accepted_lines:,} lines accepted"
            )
        if code.copilot_interactions or code.copilot_lines_added:
            fields.append(
                f"*In GitHub Copilot*\n{code.copilot_interactions:,} interactions · "
                f"{code.copilot_lines_added:,} lines added"
            )
    return fields


def viewed_by_text(views: list[ViewedBy]) -> str:
    """Who looked at the person's numbers in the last 90 days (the audit trail, shown to its subject)."""
    if not views:
        return f"*Who looked at your numbers* (last {VIEWS_SHOWN_DAYS} days)\nNobody."
    lines = []
    for view in views[:MAX_VIEWERS_LISTED]:
        known = view.viewer_name or view.viewer_slack_user_id  # an admin outside the people file has only an id
        who = mention(view.viewer_slack_user_id, view.viewer_name) if known else "someone no longer here"
        how = VIEW_ACTIONS.get(view.action, escape(view.action))
        times = f", {view.times} times" if view.times > 1 else ""
        lines.append(f"• {who} {how}{times}, last on {view.last_at:%d %b %Y}")
    if len(views) > MAX_VIEWERS_LISTED:
        lines.append(f"…and {len(views) - MAX_VIEWERS_LISTED} more: `/buildboard me data` lists them all")
    return f"*Who looked at your numbers* (last {VIEWS_SHOWN_DAYS} days)\n" + "\n".join(lines)


def me_blocks(
    current: MyWeek,
    last: MyWeek,
    viewed_by: list[ViewedBy] | None = None,
    *,
    titles=(),
    flags=(),
    spend_public: bool = False,
) -> list[dict]:
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
    if viewed_by is not None:
        blocks.append(section(viewed_by_text(viewed_by)))
    blocks.append(
        context(
            f"Only you can see this. {who_sees_your_numbers(spend_public)} `/buildboard share` to add what you built. "
            "`/buildboard me data` shows everything Buildboard stores about you."
        )
    )
    return blocks


def not_known_blocks() -> dict:
    text = (
        "I can't find you in Buildboard's people list yet, so I have no numbers for you. "
        "Ask your Buildboard admin to add your email to the people file."
    )
    return {"text": text, "blocks": [section(escape(text))]}
