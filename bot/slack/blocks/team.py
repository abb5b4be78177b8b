"""Block Kit and texts for `/buildboard team`, `user`, `export` and refusals. Pure: values in, blocks out."""

from __future__ import annotations

import json
from decimal import Decimal

from bot.domain.chart import Chart, chart_alt_text
from bot.domain.command_args import Target
from bot.domain.flags import Flag
from bot.domain.money import format_tokens, format_usd
from bot.domain.periods import IsoWeek
from bot.domain.reports import PersonLine, PersonReport, TeamExport, TeamReport
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
    units,
    work_units_label,
)

LINES_PER_SECTION = 12
TEAM_CHART = "team_chart"


def chart_button_value(target: Target) -> str:
    """What the Chart button carries: the group asked about (authority is checked again on the click)."""
    if target.user_id:
        return json.dumps({"user": target.user_id})
    if target.team_name:
        return json.dumps({"team": target.team_name})
    return "{}"


def target_from_chart_button(value: str | None) -> Target:
    """The group a Chart button names; anything unreadable means the caller's own (the default group)."""
    try:
        found = json.loads(value or "{}")
    except json.JSONDecodeError:
        found = {}
    if not isinstance(found, dict):
        found = {}
    user, team = found.get("user"), found.get("team")
    return Target(user_id=str(user) if user else None, team_name=None if user or not team else str(team))


def chart_actions(target: Target) -> dict:
    """The Chart button under a team answer: DMs the caller the group's 12-week chart."""
    return {
        "type": "actions",
        "block_id": "team_chart",
        "elements": [
            {
                "type": "button",
                "action_id": TEAM_CHART,
                "text": {"type": "plain_text", "text": "Chart"},
                "value": chart_button_value(target)[:2000],
            }
        ],
    }


def team_chart_comment(chart: Chart) -> str:
    """The DM's caption: the chart's numbers in words, and that nobody else received it."""
    return chart_alt_text(chart) + " Only you received this chart."


def refusal_answer(text: str) -> dict:
    """A polite no that says what the caller may do instead (the text never holds anyone's numbers)."""
    return {"text": text, "blocks": [section(text)]}


def _change(current, change: Decimal | None) -> str:
    return percent_change(change) if change is not None or current else "none, as before"


def _cost(value: Decimal | None) -> str:
    return format_usd(value) if value is not None else "—"


def person_label(line: PersonLine) -> str:
    label = mention(line.slack_user_id, line.name)
    if not line.in_org:
        label += " (left)"
    elif not line.active:
        label += " (deactivated)"
    return label


def _person_numbers(line: PersonLine) -> str:
    stats = line.stats
    return (
        f"{work_units_label(stats.work_units)} · {stats.artifacts} shared · {format_tokens(stats.tokens)} tokens"
        f" · {format_usd(stats.spend_usd)} · {_cost(stats.cost_per_work_unit)}/unit"
    )


def flag_text(flag: Flag) -> str:
    kind = {"unexplained_spend": "unexplained spend", "spike": "spike", "idle_seat": "idle seat"}.get(
        flag.kind, flag.kind
    )
    return f"{kind}: {escape(flag.detail)}" if flag.detail else kind


def _idle_seats_text(report: TeamReport) -> str:
    """Seats nobody used for the idle period: the count and monthly cost, then who (tool, price, last active day)."""
    seats = report.idle_seats
    lines = []
    for seat in seats[:15]:
        price = f"{format_usd(seat.monthly_usd)} a month" if seat.monthly_usd is not None else "no price known"
        last = f"last active {seat.last_active_day}" if seat.last_active_day else "never seen active"
        who = mention(seat.slack_user_id, seat.name) if seat.slack_user_id or seat.name else "someone"
        lines.append(f"• {who} — {escape(seat.plan_label)} ({price}), {last}")
    more = f"\n…and {len(seats) - 15} more (`buildboard export seats`)" if len(seats) > 15 else ""
    return (
        f"*Idle seats* (no use for {report.idle_seat_days} days): {len(seats)}, "
        f"{format_usd(report.idle_seat_monthly_usd)} a month\n" + "\n".join(lines) + more
    )


def period_label(report: TeamReport) -> str:
    if len(report.weeks) == 1:
        return report.last.label()
    return f"{len(report.weeks)} weeks, {report.first.label()} to {report.last.label()}"


def team_blocks(report: TeamReport, chart_target: Target | None = None) -> list[dict]:
    """The team answer; with `chart_target`, a Chart button that sends that group's 12-week chart."""
    totals, previous = report.totals, report.previous
    change = totals.change(previous)
    evidence = totals.evidence_ratio
    blocks: list[dict] = [
        header(f"{report.group_label}"[:150]),
        context(f"{escape(period_label(report))} · change against the {len(report.weeks)} week(s) before"),
        fields_section(
            [
                f"*People*\n{totals.people} ({totals.active_people} active,"
                f" {_change(totals.active_people, change['active_people'])})",
                f"*Tokens*\n{format_tokens(totals.tokens)} ({_change(totals.tokens, change['tokens'])})",
                f"*Spend*\n{format_usd(totals.spend_usd)} ({_change(totals.spend_usd, change['spend_usd'])})",
                f"*Artifacts*\n{totals.artifacts} ({_change(totals.artifacts, change['artifacts'])})",
                f"*Work units*\n{units(totals.work_units)} ({_change(totals.work_units, change['work_units'])})",
                f"*Cost per work unit*\n{_cost(totals.cost_per_work_unit)}"
                f" (before: {_cost(previous.cost_per_work_unit)})",
                f"*Evidence ratio*\n{f'{evidence * 100:.0f}%' if evidence is not None else '—'}"
                " of spend by people who shared",
            ]
            + (
                [f"*By Claude Code*\n{report.code_commits} commits · {report.code_pull_requests} pull requests"]
                if report.code_commits or report.code_pull_requests
                else []
            )
            + (
                [f"*In Cursor*\n{report.cursor_requests:,} requests · {report.cursor_accepted_lines:,} lines accepted"]
                if report.cursor_requests or report.cursor_accepted_lines
                else []
            )
            + (
                [
                    f"*In GitHub Copilot*\n{report.copilot_interactions:,} interactions · "
                    f"{report.copilot_lines_added:,} lines added"
                ]
                if report.copilot_interactions or report.copilot_lines_added
                else []
            )
        ),
    ]
    if report.seat_cost_usd:
        # Seats apart from use, then together: a seat is paid whether or not it is used.
        blocks.append(
            fields_section(
                [
                    f"*Seat cost*\n{format_usd(report.seat_cost_usd)}",
                    f"*Spend and seats*\n{format_usd(totals.spend_usd + report.seat_cost_usd)}",
                ]
            )
        )
    if report.idle_seats:
        blocks.append(section(_idle_seats_text(report)))
    if report.top_builders:
        lines = [
            f"{i}. {person_label(line)} — {_person_numbers(line)}" for i, line in enumerate(report.top_builders, 1)
        ]
        blocks.append(section("*Top builders*\n" + "\n".join(lines)))
    if report.flagged:
        lines = [
            f"• {person_label(line)} — {format_usd(line.stats.spend_usd)} · {format_tokens(line.stats.tokens)} tokens"
            f" · {line.stats.artifacts} shared — " + "; ".join(flag_text(f) for f in flags)
            for line, flags in report.flagged
        ]
        more = report.flagged_count - len(report.flagged)
        blocks.append(
            section(f"*Flags ({report.last})*\n" + "\n".join(lines) + (f"\n…and {more} more" if more > 0 else ""))
        )
    blocks.append(divider())
    if report.table is not None:
        if report.table:
            rows = [f"• {person_label(line)} — {_person_numbers(line)}" for line in report.table]
            for start in range(0, len(rows), LINES_PER_SECTION):
                title = "*Everyone with activity*\n" if start == 0 else ""
                blocks.append(section(title + "\n".join(rows[start : start + LINES_PER_SECTION])))
        else:
            blocks.append(section("Nobody in this group used AI or shared anything in this period."))
    else:
        blocks.append(
            section(
                f"{report.people_with_numbers} people have numbers in this period: too many to list here. "
                "`/buildboard export` sends you the per-person CSV in a DM."
            )
        )
    if chart_target is not None:
        blocks.append(chart_actions(chart_target))
    blocks.append(context("Only you can see this. Views of other people's numbers are recorded in the audit trail."))
    return blocks


def team_text(report: TeamReport) -> str:
    """The answer's notification text: mrkdwn like a section, so names in the label are escaped."""
    return f"{escape(report.group_label)}: {escape(period_label(report))}"


def person_text(report: PersonReport) -> str:
    return f"{escape(report.person.name or 'Someone')}: numbers"


def _export_span(export: TeamExport) -> str:
    return f"{escape(export.group_label)}, {export.weeks[0]} to {export.weeks[-1]}"


def export_file_title(export: TeamExport) -> str:
    return f"{escape(export.group_label)}: {export.weeks[0]} to {export.weeks[-1]}"


def export_file_comment(export: TeamExport) -> str:
    return (
        f"Your Buildboard export: {_export_span(export)} "
        f"({export.rows} rows, one per person and week). Only you received this file."
    )


def export_sent_answer(export: TeamExport) -> dict:
    return {
        "text": f"Sent you {escape(export.filename)} in a DM: {export.rows} rows for {export.people} people "
        f"({_export_span(export)})."
    }


def person_blocks(report: PersonReport) -> list[dict]:
    line = report.person
    where = escape(line.team or "no team")
    blocks: list[dict] = [
        header(f"{line.name or 'Someone'}"[:150]),
        context(f"{person_label(line)} · {where}"),
    ]
    rows = [
        f"• {week.label()} — {work_units_label(w.work_units)} · {w.artifacts} shared · "
        f"{format_tokens(w.tokens)} tokens · {format_usd(w.spend_usd)} · {w.active_days} active days"
        for week, w in reversed(report.weeks)
    ]
    blocks.append(section("*Weeks*\n" + "\n".join(rows)))
    if report.titles:
        blocks.append(section("*Titles*\n" + "\n".join(f"• {escape(name)} ({week})" for week, name in report.titles)))
    if report.artifacts:
        listed = [
            f"• {link(a.url, a.title or 'untitled')} ({IsoWeek.containing(a.week_start)}, "
            f"{work_units_label(a.work_units)})"
            for a in report.artifacts
        ]
        blocks.append(section("*Shared*\n" + "\n".join(listed)))
    else:
        blocks.append(section("*Shared*\nNothing shared in these weeks."))
    if report.flags:
        blocks.append(section(f"*Flags ({report.last})*\n" + "\n".join(f"• {flag_text(f)}" for f in report.flags)))
    blocks.append(context("Only you can see this. Your view is recorded in the audit trail."))
    return blocks
