"""Block Kit JSON of every builder in bot/slack/blocks, built from fixed domain values and compared with a snapshot.

A change to a message shows up here as a diff to review. After an intended change, regenerate with
`UPDATE_SNAPSHOTS=1 python -m pytest tests/unit/test_block_snapshots.py` and commit the files in tests/unit/snapshots/.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from bot.domain.chart import ChartWeek
from bot.domain.digest import AiSpendLine, BoardEntry, Highlight, LlmSpend, TitleHolder, TitleLine, WeeklyDigest
from bot.domain.flags import Flag
from bot.domain.groups import OTHER_TEAMS, TeamFigure
from bot.domain.periods import IsoWeek
from bot.domain.reports import (
    ArtifactView,
    CodeActivity,
    HeldTitle,
    Home,
    HomeWeek,
    Leaderboard,
    MyWeek,
    PeriodTotals,
    PersonLine,
    PersonReport,
    StoredAbout,
    TeamReport,
    ViewedBy,
)
from bot.domain.stats import OrgWeek, PersonWeek
from bot.domain.story import StoryArtifact, WeekStory
from bot.slack.blocks import digest, home, leaderboard, nudge, personal, share, story, team, text, transparency

SNAPSHOTS = Path(__file__).parent / "snapshots"
W46, W47, W48 = IsoWeek(2026, 46), IsoWeek(2026, 47), IsoWeek(2026, 48)
NASTY = "<!channel> *bold* & <https://evil.example|click>"  # user text: must stay text


def assert_snapshot(name: str, value: object) -> None:
    """Compare `value` as JSON with snapshots/<name>.json; UPDATE_SNAPSHOTS=1 rewrites the file instead."""
    path = SNAPSHOTS / f"{name}.json"
    rendered = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" and os.environ.get("CI") != "true":  # CI only compares
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), (
        f"no snapshot {path.name}: run UPDATE_SNAPSHOTS=1 python -m pytest tests/unit/test_block_snapshots.py"
    )
    assert rendered == path.read_text(encoding="utf-8")


def week_numbers(person_id: int, tokens: int, spend: str, artifacts: int, units: str) -> PersonWeek:
    return PersonWeek(person_id, tokens, Decimal(spend), 3, artifacts, Decimal(units))


def shared(artifact_id: int, title: str, url: str | None = "https://example.com/tool") -> ArtifactView:
    return ArtifactView(
        id=artifact_id,
        week_start=W47.start,
        title=title,
        url=url,
        description="Turns tickets into drafts",
        kind="tool",
        hours_saved_per_week=Decimal("2.50"),
        share_in_channel=True,
        spend_snapshot_usd=Decimal("12.5"),
        work_units=Decimal("3.00"),
    )


STORY = WeekStory(
    "3 artifacts shared by 2 people this week (tool 2 · doc 1). " + NASTY,
    [StoryArtifact(1, NASTY, "tool", "d", Decimal("3"), "https://example.com/a", "Ada", "U1")],
    source="ai",
    model="gpt-test",
)
# BUILDBOARD_PUBLIC_FIGURES=output (the default): no tokens, spend or cost per work unit on a public board.
BOARD = [
    BoardEntry(1, 1, "Ada", "U1", None, None, 2, Decimal("3.5"), None),
    BoardEntry(2, 2, NASTY, None, None, None, 1, Decimal("0.5"), None),
]
# output_and_spend: spend beside output.
BOARD_WITH_SPEND = [
    BoardEntry(1, 1, "Ada", "U1", 860_000, Decimal("95"), 2, Decimal("3.5"), Decimal("27.14")),
    BoardEntry(2, 2, NASTY, None, 1_200, Decimal("0.4"), 1, Decimal("0.5"), Decimal("0.80")),
]
VIEWS = [
    ViewedBy("Grace", "U9", "team", 3, datetime(2026, 11, 20, 9, 30, tzinfo=UTC)),
    ViewedBy(None, None, "export", 1, datetime(2026, 11, 2, tzinfo=UTC)),
]
LINE = PersonLine(1, "Ada", "U1", "Core", True, True, week_numbers(1, 900_000, "100", 2, "4"))
LEFT = PersonLine(2, NASTY, None, None, False, False, week_numbers(2, 5_000, "1.25", 0, "0"))


def test_digest_blocks():
    totals = OrgWeek(
        1_500_000, Decimal("120.5"), 12, 4, Decimal("6.5"), Decimal("80"), people_with_output=2, verified_spend_usd=0
    )
    previous = OrgWeek(1_000_000, Decimal("100"), 10, 0, Decimal(0), Decimal(0))
    # Token Legend's tokens are not a public figure unless spend is public: the service leaves them out.
    titles = [TitleLine("token_legend", "Token Legend", ":crown:", "tokens", None, [TitleHolder(1, "Ada", "U1", 3)], 2)]
    titles_with_spend = [replace(titles[0], metric_value=Decimal(860_000))]
    highlights = [Highlight(7, NASTY, None, NASTY, "https://example.com/a", Decimal("2"), "tool")]
    teams = [
        TeamFigure("Core", 6, 900_000, Decimal("70"), 3, Decimal("5")),
        TeamFigure(OTHER_TEAMS, 6, merged_teams=("A", "B")),
    ]
    weekly = WeeklyDigest(
        W47,
        totals,
        previous,
        BOARD,
        "work_units",
        summary=STORY,
        titles=titles,
        highlights=highlights,
        teams=teams,
        min_group_size=5,
        ai_spend=AiSpendLine(LlmSpend(0, 0, 0, Decimal(0), 0)),
        chart=[ChartWeek("W46", Decimal("100"), 0), ChartWeek("W47", Decimal("120.5"), 4, Decimal("6"), current=True)],
    )
    empty = WeeklyDigest(W47, OrgWeek(0, Decimal(0), 0, 0, Decimal(0), Decimal(0)), previous, [], "tokens")
    # 214 people used AI, nobody shared: no board, and no "Nobody used AI tools".
    used_only = WeeklyDigest(
        W47, OrgWeek(9_000_000, Decimal("900"), 214, 0, Decimal(0), Decimal(0)), previous, [], "work_units"
    )
    with_spend = replace(weekly, leaderboard=BOARD_WITH_SPEND, spend_public=True, titles=titles_with_spend)
    spend_hidden = replace(with_spend, totals_shown=False, chart=[])
    assert_snapshot(
        "digest",
        {
            "digest": digest.digest_blocks(weekly),
            "thread": digest.team_thread_blocks(weekly),
            "empty": digest.digest_blocks(empty),
            "used_only": digest.digest_blocks(used_only),
            "with_spend": digest.digest_blocks(with_spend),
            "spend_hidden": digest.digest_blocks(spend_hidden),
            "spend_hidden_text": digest.digest_text(spend_hidden),
            "empty_thread": digest.team_thread_blocks(empty),
            "chart_comment": digest.chart_comment(weekly),
            "text": digest.digest_text(weekly),
        },
    )


def test_home_blocks():
    code = CodeActivity(1, sessions=4, commits=5, pull_requests=2)
    weeks = [
        HomeWeek(W48, week_numbers(1, 10_000, "1.5", 3, "2"), True, code, shared_artifacts=5),
        HomeWeek(W47, week_numbers(1, 0, "0", 0, "0"), False),
    ]
    titles = [HeldTitle(W47, "token_legend", 3), HeldTitle(W46, "first-build", 1)]
    not_counted = replace(shared(9, "The fourth thing this week"), counted=False)
    full = Home("Ada", weeks, titles, [shared(7, NASTY), shared(8, "", url=None), not_counted], 30, True, VIEWS)
    empty = Home(None, weeks[1:], [], [], 0, False, spend_public=True)
    assert_snapshot(
        "home",
        {"home": home.home_view(full), "empty": home.home_view(empty), "unknown": home.unknown_home()},
    )


def test_leaderboard_blocks():
    board = Leaderboard(W48, "work_units", BOARD, 40, week_numbers(3, 5_000, "2", 1, "1"), 7, True, active_people=214)
    unranked = Leaderboard(W48, "work_units", BOARD_WITH_SPEND, 2, week_numbers(3, 5_000, "2", 0, "0"), None, False)
    used_only = Leaderboard(W48, "work_units", [], 0, None, None, False, active_people=12)
    nobody = Leaderboard(W48, "spend", [], 0, None, None, False)
    assert_snapshot(
        "leaderboard",
        {
            "board": leaderboard.leaderboard_blocks(board),
            "unranked": leaderboard.leaderboard_blocks(unranked),
            "used_only": leaderboard.leaderboard_blocks(used_only),
            "nobody": leaderboard.leaderboard_blocks(nobody),
            "privacy_on": leaderboard.privacy_blocks(True, True),
            "privacy_off_unchanged": leaderboard.privacy_blocks(False, False),
            "privacy_usage": leaderboard.privacy_usage_blocks(True),
        },
    )


def test_nudge_blocks():
    remind_at = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    assert_snapshot(
        "nudge",
        {
            "nudge": nudge.nudge_message(W47, 860_000, Decimal("95"), 2, 40),
            "nudge_unranked": nudge.nudge_message(W47, 0, Decimal(0), None, None),
            "nudge_spend_public": nudge.nudge_message(W47, 860_000, Decimal("95"), 2, 40, spend_public=True),
            "reminder": nudge.reminder_message(W47, 860_000, Decimal("95")),
            "shared": nudge.answered_message(W47, 1, Decimal(1), nudge.shared_outcome(NASTY)),
            "nothing": nudge.answered_message(W47, 1, Decimal(1), nudge.nothing_outcome("other", NASTY)),
            "snoozed": nudge.answered_message(W47, 1, Decimal(1), nudge.snoozed_outcome(remind_at)),
            "share_button": nudge.share_button(W47, label="Share", primary=False),
        },
    )


def test_personal_blocks():
    code = CodeActivity(1, commits=1_200, pull_requests=3)
    current = MyWeek(W48, week_numbers(1, 10_000, "1.5", 1, "1.25"), 3, 40, [shared(7, NASTY)], code)
    last = MyWeek(W47, week_numbers(1, 0, "0", 0, "0"), None, 38, [])
    flags = [Flag("spike", W47, "4x the usual spend"), Flag("unexplained_spend", W47, "")]
    many_views = [ViewedBy(f"V{i}", f"U{i}", "user", 1, datetime(2026, 11, 1, tzinfo=UTC)) for i in range(17)]
    assert_snapshot(
        "personal",
        {
            "me": personal.me_blocks(current, last, VIEWS, titles=[(W47, NASTY)], flags=flags),
            "me_plain": personal.me_blocks(current, last),
            "me_spend_public": personal.me_blocks(current, last, spend_public=True),
            "viewed_by_none": personal.viewed_by_text([]),
            "viewed_by_many": personal.viewed_by_text(many_views),
            "not_known": personal.not_known_blocks(),
        },
    )


def test_share_blocks():
    assert_snapshot(
        "share",
        {
            "new": share.share_modal(W47),
            "edit": share.share_modal(W47, shared(7, NASTY)),
            "nothing": share.nothing_modal(W47),
            "showcase": share.showcase_message("<@U1>", NASTY, "https://example.com/a", NASTY, "tool", Decimal("2.50")),
            "showcase_plain": share.showcase_message("A colleague", "T", None, "d", "other_kind", None),
        },
    )


def test_story_blocks():
    spend = LlmSpend(3, 1_000, 500, Decimal("0.0123"), 1, {"digest_summary": 2, "work_unit_estimate": 1})
    none = LlmSpend(0, 0, 0, Decimal(0), 0)
    assert_snapshot(
        "story",
        {
            "ai": story.story_blocks(STORY),
            "data": story.story_blocks(WeekStory("&" * 2_000)),
            "spend": story.ai_spend_text(spend),
            "spend_none": story.ai_spend_text(none),
            "spend_off": story.ai_spend_text(none, llm_off="no <key>"),
        },
    )


def test_team_blocks():
    totals = PeriodTotals(12, 9, 2_000_000, Decimal("300"), 5, Decimal("8"), Decimal("200"))
    previous = PeriodTotals(11, 0, 0, Decimal(0), 0, Decimal(0), Decimal(0))
    flags = [Flag("spike", W47, "4x the usual spend <!here>")]
    report = TeamReport(
        "Grace's team (everyone below you)",
        [W46, W47],
        totals,
        previous,
        [LINE],
        [(LEFT, flags)],
        [LINE, LEFT],
        2,
        code_commits=5,
        code_pull_requests=1,
        flagged_count=1,
    )
    large = TeamReport("The whole organisation", [W47], totals, totals, [], [(LEFT, flags)], None, 30, flagged_count=40)
    empty = TeamReport("Team Core", [W47], previous, previous, [], [], [], 0)
    person = PersonReport(LINE, [(W46, LEFT.stats), (W47, LINE.stats)], [shared(7, NASTY)], [(W47, NASTY)], flags, W47)
    nothing = PersonReport(LEFT, [(W47, LEFT.stats)], [], [], [], W47)
    assert_snapshot(
        "team",
        {
            "team": team.team_blocks(report),
            "team_text": team.team_text(report),
            "large": team.team_blocks(large),
            "empty": team.team_blocks(empty),
            "person": team.person_blocks(person),
            "person_nothing": team.person_blocks(nothing),
            "refusal": team.refusal_answer("I can't show that team."),
        },
    )


def test_text_blocks():
    assert_snapshot(
        "text",
        {
            "escape": text.escape(NASTY),
            "mention": [text.mention("U1", "Ada"), text.mention(None, NASTY), text.mention(None, None)],
            "link": [text.link("https://x.example/a|b>c", "a | b"), text.link(None, NASTY)],
            "percent_change": [
                text.percent_change(None),
                text.percent_change(Decimal("0.25")),
                text.percent_change(Decimal("-0.1")),
                text.percent_change(Decimal(0)),
            ],
            "section": text.section("x" * 3_100),
            "fields": text.fields_section([f"f{i}" for i in range(12)]),
            "header": text.header("h" * 200),
            "context": text.context(NASTY),
            "divider": text.divider(),
        },
    )


def test_transparency_blocks():
    profile = {
        "email": "ada@example.com",
        "name": NASTY,
        "team": None,
        "manager": "Grace",
        "slack_user_id": "U1",
        "slack_timezone": None,
        "timezone": "Europe/Paris",
        "in_org": True,
        "active": False,
    }
    usage = [
        {
            "week_start": date(2026, 11, 16),
            "provider": "openai",
            "model": f"m{i}",
            "tokens": 1_000 * i,
            "spend_usd": Decimal(i),
            "active_days": 2,
        }
        for i in range(14)
    ]
    data = StoredAbout(
        profile=profile,
        preferences={"nudges_enabled": True, "public_opt_out": False},
        usage_by_week=usage,
        code_activity_by_week=[
            {
                "week_start": date(2026, 11, 16),
                "provider": "claude_code",
                "sessions": 3,
                "lines_added": 10,
                "lines_removed": 2,
                "commits": 1,
                "pull_requests": 0,
            }
        ],
        artifacts=[{"week_start": date(2026, 11, 16), "title": NASTY, "kind": "tool", "url": "https://e.example"}],
        nudges=[{"week_start": date(2026, 11, 16), "status": "nothing", "reason": "other", "reason_text": NASTY}],
        awards=[{"week_start": date(2026, 11, 16), "title": "token_legend"}],
        viewed_by=[{"at": datetime(2026, 11, 20, 9, 30), "viewer": "Grace", "action": "team"}],
        messages={"nudge": 2},
        flags=[{"week": "2026-W47", "kind": "spike", "detail": "4x the usual spend"}],
    )
    blank = StoredAbout(
        {**profile, "name": None}, {"nudges_enabled": False, "public_opt_out": True}, [], [], [], [], [], [], {}, []
    )
    full_blocks, full_cut = transparency.my_data_blocks(data)
    blank_blocks, blank_cut = transparency.my_data_blocks(blank)
    assert_snapshot(
        "transparency",
        {"full": full_blocks, "full_cut": full_cut, "blank": blank_blocks, "blank_cut": blank_cut},
    )
