"""Block Kit for `/buildboard me data`: a readable summary of everything stored about the caller."""

from __future__ import annotations

from bot.domain.money import format_tokens, format_usd
from bot.domain.reports import StoredAbout
from bot.slack.blocks.text import MESSAGE_BLOCK_LIMIT, context, escape, header, section

ROWS_PER_SECTION = 12
FILE_NAME = "buildboard-my-data.json"


def _yes_no(value) -> str:
    return "yes" if value else "no"


def _listing(title: str, rows: list[str], total: int) -> tuple[dict, bool]:
    """A section listing up to ROWS_PER_SECTION rows; True when some were left out."""
    if not rows:
        return section(f"*{title}*\nnothing stored"), False
    shown = rows[:ROWS_PER_SECTION]
    more = total - len(shown)
    text = f"*{title}* ({total})\n" + "\n".join(shown) + (f"\n…and {more} more" if more > 0 else "")
    return section(text), more > 0 or len(text) > 3000


def my_data_blocks(data: StoredAbout) -> tuple[list[dict], bool]:
    """Blocks for the summary, and whether anything was left out (then the full record goes as a file)."""
    p, prefs = data.profile, data.preferences
    blocks: list[dict] = [header("Everything Buildboard stores about you")]
    blocks.append(
        section(
            "*You*\n"
            f"Email: {escape(p['email'])} · Name: {escape(p['name']) or '—'} · Team: {escape(p['team']) or '—'}\n"
            f"Manager: {escape(p['manager']) or '—'} · Slack id: {p['slack_user_id'] or '—'} · "
            f"Time zone: {escape(p['slack_timezone'] or p['timezone']) or '—'}\n"
            f"In the people file: {_yes_no(p['in_org'])} · Active in Slack: {_yes_no(p['active'])}"
        )
    )
    blocks.append(
        section(
            "*Your choices*\n"
            f"Asked what you built: {_yes_no(prefs['nudges_enabled'])} · "
            f"Kept out of public posts (`/buildboard privacy on`): {_yes_no(prefs['public_opt_out'])}"
        )
    )
    cut = False
    listings = [
        (
            "Usage by week, provider and model",
            [
                f"• {u['week_start']:%d %b %Y} · {escape(u['provider'])} · {escape(u['model'])}: "
                f"{format_tokens(u['tokens'])} tokens, {format_usd(u['spend_usd'])}, {u['active_days']} days"
                for u in data.usage_by_week
            ],
            len(data.usage_by_week),
        ),
        (
            "Coding activity by week",
            [
                f"• {c['week_start']:%d %b %Y} · {escape(c['provider'])}: {c['sessions']} sessions, "
                f"+{c['lines_added']}/−{c['lines_removed']} lines, {c['commits']} commits"
                for c in data.code_activity_by_week
            ],
            len(data.code_activity_by_week),
        ),
        (
            "What you shared",
            [
                f"• {a['week_start']:%d %b %Y} · {escape(a['title']) or 'untitled'} ({escape(a['kind'])})"
                + (f" · {escape(a['url'])}" if a["url"] else "")
                for a in data.artifacts
            ],
            len(data.artifacts),
        ),
        (
            "Questions we asked you (nudges)",
            [
                f"• {n['week_start']:%d %b %Y} · {escape(n['status'])}"
                + (f" · reason: {escape(n['reason'])}" if n["reason"] else "")
                + (f" · “{escape(n['reason_text'])}”" if n["reason_text"] else "")
                for n in data.nudges
            ],
            len(data.nudges),
        ),
        (
            "Titles",
            [f"• {a['week_start']:%d %b %Y} · {escape(a['title'])}" for a in data.awards],
            len(data.awards),
        ),
        (
            "Who looked at your numbers",
            [f"• {v['at']:%d %b %Y %H:%M} UTC · {escape(v['viewer'])} ({escape(v['action'])})" for v in data.viewed_by],
            len(data.viewed_by),
        ),
    ]
    # Newer records: listed when there are any, so the answer of someone without them reads as before.
    if data.verified_pull_requests:
        listings.append(
            (
                "Merged pull requests read from GitHub",
                [
                    f"• {p['merged_at']:%d %b %Y} · {escape(p['repository'])}#{p['number']} {escape(p['title'])}"
                    + (" · counted" if p["counted"] else f" · not counted: {escape(p['reason'] or '')}")
                    for p in data.verified_pull_requests
                ],
                len(data.verified_pull_requests),
            )
        )
    if data.endorsements:
        listings.append(
            (
                'Endorsements ("I use this")',
                [
                    f"• {e['week_start']:%d %b %Y} · {escape(e['direction'])} · {escape(e['artifact'] or 'untitled')}"
                    + f" · {escape(e['colleague'] or 'a colleague')}"
                    for e in data.endorsements
                ],
                len(data.endorsements),
            )
        )
    for title, rows, total in listings:
        block, left_out = _listing(title, rows, total)
        blocks.append(block)
        cut = cut or left_out
    if data.seats:
        lines = "\n".join(
            f"• {escape(seat['tool'])} ({escape(seat['plan'])}, from {escape(seat['source'])}) since "
            f"{seat['held_since']:%d %b %Y}" + (f", ended {seat['ended_on']:%d %b %Y}" if seat["ended_on"] else "")
            for seat in data.seats
        )
        blocks.append(section(f"*Seats you hold*\n{lines}"))
    if data.flags:
        lines = "\n".join(f"• {escape(f['week'])} · {escape(f['detail'])}" for f in data.flags)
        blocks.append(section(f"*What your manager is shown* (worked out from the numbers above)\n{lines}"))
    if data.messages:
        sent = ", ".join(f"{count} {escape(kind)}" for kind, count in data.messages.items())
        blocks.append(section(f"*Messages to you we keep (to send each only once)*\n{sent}"))
    note = (
        f"The complete record is in `{FILE_NAME}`, sent to you as a direct message."
        if cut
        else "This is the complete record."
    )
    blocks.append(context(f"Only you can see this. {note} Ask a Buildboard admin to erase it (`buildboard forget`)."))
    return blocks[:MESSAGE_BLOCK_LIMIT], cut
