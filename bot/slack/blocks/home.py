"""Block Kit for App Home. Pure: a Home in, a `home` view out (well under the 100-block limit)."""

from __future__ import annotations

from bot.domain.artifacts import KINDS
from bot.domain.chart import chart_alt_text
from bot.domain.money import format_tokens, format_usd
from bot.domain.periods import IsoWeek
from bot.domain.privacy import who_sees_your_numbers
from bot.domain.reports import ArtifactView, Home, HomeWeek
from bot.slack.blocks.nudge import share_button
from bot.slack.blocks.personal import viewed_by_text
from bot.slack.blocks.text import (
    VIEW_BLOCK_LIMIT,
    context,
    divider,
    escape,
    header,
    link,
    section,
    work_units_label,
)

TOGGLE_NUDGES = "home_toggle_nudges"
EDIT_ARTIFACT = "edit_artifact"
DELETE_ARTIFACT = "delete_artifact"


def title_label(title_key: str) -> str:
    """`token_legend` → "Token Legend"."""
    return " ".join(word.capitalize() for word in title_key.replace("-", "_").split("_") if word)


def _week_line(row: HomeWeek) -> str:
    stats = row.stats
    label = f"{row.week.label()}{' — so far' if row.current else ''}"
    cost = format_usd(stats.cost_per_artifact) + " per artifact" if stats.cost_per_artifact is not None else "—"
    uncounted = row.shared_artifacts - stats.artifacts
    line = (
        f"*{label}*\n{format_tokens(stats.tokens)} tokens · {format_usd(stats.spend_usd)} · "
        f"{stats.artifacts} artifact{'s' if stats.artifacts != 1 else ''} counted"
        + (f" ({uncounted} more shared)" if uncounted > 0 else "")
        + f" · {work_units_label(stats.work_units)} · {cost}"
    )
    if row.seat_cost_usd:
        line += (
            f" · seats {format_usd(row.seat_cost_usd)} (with spend: {format_usd(stats.spend_usd + row.seat_cost_usd)})"
        )
    if row.code is not None and row.code.any:
        # Automatic evidence of output, beside the spend.
        code = row.code
        if code.commits or code.pull_requests or code.sessions:
            line += f" · {code.commits} commits, {code.pull_requests} pull requests by Claude Code"
        if code.cursor_requests or code.accepted_lines:
            line += f" · {code.cursor_requests:,} Cursor requests, {code.accepted_lines:,} lines accepted"
        if code.copilot_interactions or code.copilot_lines_added:
            line += f" · {code.copilot_interactions:,} Copilot interactions, {code.copilot_lines_added:,} lines added"
    return line


def _artifact_blocks(artifact: ArtifactView) -> list[dict]:
    week = IsoWeek.containing(artifact.week_start)
    spent = f"{format_usd(artifact.spend_snapshot_usd)} that week"
    worth = (
        f"{work_units_label(artifact.work_units)}"
        if artifact.counted
        else "not counted (only the first ones shared each week count)"
    )
    facts = [KINDS.get(artifact.kind, artifact.kind), week.label(), spent, worth]
    value = str(artifact.id)
    if artifact.endorsed_by:
        facts.append(f"used by {', '.join(artifact.endorsed_by)}")
    return [
        section(f"*{link(artifact.url, artifact.title or 'untitled')}*\n{' · '.join(escape(f) for f in facts)}"),
        {
            "type": "actions",
            "block_id": f"artifact_{artifact.id}",
            "elements": [
                {
                    "type": "button",
                    "action_id": EDIT_ARTIFACT,
                    "text": {"type": "plain_text", "text": "Edit"},
                    "value": value,
                },
                {
                    "type": "button",
                    "action_id": DELETE_ARTIFACT,
                    "style": "danger",
                    "text": {"type": "plain_text", "text": "Delete"},
                    "value": value,
                    "confirm": {
                        "title": {"type": "plain_text", "text": "Delete this artifact?"},
                        "text": {"type": "mrkdwn", "text": f"*{escape(artifact.title or 'untitled')}* will be gone."},
                        "confirm": {"type": "plain_text", "text": "Delete"},
                        "deny": {"type": "plain_text", "text": "Keep it"},
                        "style": "danger",
                    },
                },
            ],
        },
    ]


def trend_image(home: Home, file_id: str) -> dict:
    """The person's trend chart, an image the bot uploaded (shared nowhere else), its numbers as alt text."""
    assert home.trend is not None
    return {
        "type": "image",
        "slack_file": {"id": file_id},
        "alt_text": chart_alt_text(home.trend),
        "title": {"type": "plain_text", "text": home.trend.title[:2000]},
    }


def home_view(home: Home, chart_file_id: str | None = None) -> dict:
    """The App Home tab for one person (with their trend chart when `chart_file_id` names its upload)."""
    toggle = {
        "type": "button",
        "action_id": TOGGLE_NUDGES,
        "text": {"type": "plain_text", "text": "Turn weekly DMs off" if home.nudges_enabled else "Turn weekly DMs on"},
        "value": "off" if home.nudges_enabled else "on",
    }
    blocks: list[dict] = [
        header("What you built with AI"),
        {"type": "actions", "block_id": "home_actions", "elements": [share_button(None), toggle]},
        context(
            "Weekly “what did you build?” DMs are *on*."
            if home.nudges_enabled
            else "Weekly “what did you build?” DMs are *off*."
        ),
        divider(),
        section("*Your weeks*\n" + "\n".join(_week_line(row) for row in home.weeks)),
    ]
    if chart_file_id is not None and home.trend is not None:
        blocks.append(trend_image(home, chart_file_id))
    if home.titles:
        lines = [
            f"• *{escape(title_label(t.title_key))}* — {t.week.label()}"
            + (f" ({t.streak_weeks} weeks running)" if t.streak_weeks > 1 else "")
            for t in home.titles
        ]
        blocks.append(section("*Titles held*\n" + "\n".join(lines)))
    else:
        blocks.append(section("*Titles held*\nNone yet: titles go to people who show what they built."))
    blocks.append(section(viewed_by_text(home.viewed_by)))
    blocks.append(divider())
    if home.artifacts:
        more = (
            f" (the newest {len(home.artifacts)} of {home.total_artifacts})"
            if home.total_artifacts > len(home.artifacts)
            else ""
        )
        blocks.append(section(f"*Your artifacts*{more}"))
        for artifact in home.artifacts:
            if len(blocks) + 2 > VIEW_BLOCK_LIMIT - 1:
                break
            blocks.extend(_artifact_blocks(artifact))
    else:
        blocks.append(section("*Your artifacts*\nNothing shared yet. Press *Share what I built* to add one."))
    blocks.append(context(f"Only you can see this page. {who_sees_your_numbers(home.spend_public)}"))
    return {"type": "home", "blocks": blocks}


def unknown_home() -> dict:
    text = (
        "I can't find you in Buildboard's people list yet, so there is nothing to show. "
        "Ask your Buildboard admin to add your email to the people file."
    )
    return {"type": "home", "blocks": [header("Buildboard"), section(escape(text))]}
