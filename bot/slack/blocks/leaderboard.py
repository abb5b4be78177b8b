"""Block Kit for `/buildboard leaderboard` and `/buildboard privacy`. Pure."""

from __future__ import annotations

from bot.domain.money import format_tokens, format_usd
from bot.domain.reports import Leaderboard
from bot.slack.blocks.digest import RANK_LABEL, board_line, people_line, work_units_label
from bot.slack.blocks.text import context, header, section


def leaderboard_blocks(board: Leaderboard) -> dict:
    ranked_by = RANK_LABEL.get(board.rank_by, board.rank_by)
    blocks = [header(f"Leaderboard · {board.week.label()} so far")]
    who_used = people_line(board.active_people, board.ranked_people).replace("this week", "this week so far")
    if board.entries:
        blocks.append(section(f"*By {ranked_by}*\n" + "\n".join(board_line(e) for e in board.entries)))
        blocks.append(context(who_used))
    elif board.active_people or board.ranked_people:
        blocks.append(section(who_used))
    else:
        blocks.append(section("Nobody has used AI tools or shared anything yet this week."))
    mine = board.viewer_stats
    if mine is not None:
        figures = (
            f"{work_units_label(mine.work_units)} · {mine.artifacts} counted · "
            f"{format_tokens(mine.tokens)} tokens · {format_usd(mine.spend_usd)}"
        )
        if board.viewer_position is not None:
            line = f"*You:* #{board.viewer_position} of {board.ranked_people} — {figures}"
        else:
            line = f"*You:* not ranked yet — {figures}. Share what you built to appear: only output is ranked."
        if board.viewer_hidden:
            line += "\n_Privacy is on: your name is left out of the public board, you still count in the totals._"
        blocks.append(section(line))
    blocks.append(
        context(
            "Only people with counted output are ranked: what was built, not tokens burned. "
            "Only you can see this answer and your own line."
        )
    )
    return {"text": f"Buildboard leaderboard, {board.week} so far", "blocks": blocks}


def privacy_blocks(opt_out: bool, changed: bool) -> dict:
    if opt_out:
        text = (
            "*Privacy is on.* Your name stays out of every public post — the digest, the leaderboard, titles and "
            "highlights — until you run `/buildboard privacy off`. A title you would have won goes to the next "
            "person. You still count in the totals, and `/buildboard me` still shows you your own numbers."
        )
    else:
        text = (
            "*Privacy is off.* You can appear on the leaderboard, win titles and have what you built highlighted "
            "in the digest. `/buildboard privacy on` keeps your name out of public posts."
        )
    if not changed:
        text = "No change. " + text
    return {"text": "Buildboard privacy " + ("on" if opt_out else "off"), "blocks": [section(text)]}


def privacy_usage_blocks(opt_out: bool) -> dict:
    state = "on" if opt_out else "off"
    text = (
        f"Privacy is *{state}* for you. `/buildboard privacy on` keeps your name out of public posts "
        "(leaderboard, titles, highlights); `/buildboard privacy off` puts it back."
    )
    return {"text": f"Buildboard privacy is {state}", "blocks": [section(text)]}
