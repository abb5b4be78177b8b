"""Titles and the full digest on the hand-built week (tests/data, 2026-W47), checked field by field.

W47 without artifacts: Dan 1.2M tokens $4.00 (1 day) · Carol 860K $95.00 (2 days in a row) ·
Erin 330K $45.50 (1 day) · Bob 22K $0.25 (1 day). Alice used nothing.
Artifacts added here: W46 Carol 1 unit; W47 Carol 2 units, Erin 1.5 + 1 units, Bob 1 unit.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from bot.db.models import Award, OutboxMessage, Person
from bot.domain.periods import IsoWeek
from bot.services.digest import compute_digest, run_digest
from bot.services.titles import award_week
from bot.slack.blocks.plain_text import render_message
from bot.slack.delivery import OutboxSender, Pacer
from bot.slack.rendering import MessageRenderer
from tests.conftest import DIGEST_CHANNEL, NOW, make_settings
from tests.support.artifacts import add_artifact
from tests.support.llm import set_person
from tests.support.organisation import load_org

W46, W47 = IsoWeek(2026, 46), IsoWeek(2026, 47)
# The plain story (no LLM in these tests): counts by kind and three standouts, user text escaped.
STORY = "*The week in a paragraph*\n4 artifacts shared by 3 people this week (tool 4)."
STANDOUTS = (
    "*Standouts:* <https://git.example.com/notes|Release notes bot> by <@U0CAROL>, 2 work units"
    " · Lab protocol summariser by <@U0ERIN>, 1.5 work units"
    " · &lt;!channel&gt; Dataset cleaner &amp; tagger by <@U0ERIN>, 1 work unit"
)


@pytest.fixture(autouse=True)
def unpaced_sender(rt):
    rt.__dict__["sender"] = OutboxSender(
        rt.sessions, rt.slack, clock=rt.clock, pacer=Pacer(per_channel_interval=0), renderer=rt.renderer
    )


def build_week(sessions):
    load_org(sessions)
    add_artifact(sessions, "carol@example.com", W46, "Notes bot v0", units="1")
    add_artifact(
        sessions, "carol@example.com", W47, "Release notes bot", units="2", url="https://git.example.com/notes"
    )
    add_artifact(sessions, "erin@example.com", W47, "Lab protocol summariser", units="1.5", minute=1)
    add_artifact(sessions, "erin@example.com", W47, "<!channel> Dataset cleaner & tagger", units="1", minute=2)
    add_artifact(sessions, "bob@example.com", W47, "Tiny script", units="1", share=True, minute=3)


def ids(sessions) -> dict[str, int]:
    with sessions() as session:
        return {p.email.split("@")[0]: p.id for p in session.scalars(select(Person))}


def titles_of(digest) -> dict[str, list[tuple[str, int]]]:
    return {line.key: [(h.name, h.streak_weeks) for h in line.holders] for line in digest.titles}


def test_titles_for_the_hand_built_week(rt, database_url, slack):
    build_week(rt.sessions)
    with rt.sessions() as session:
        digest = compute_digest(session, W47, rt.settings)
        spend_public = compute_digest(
            session, W47, make_settings(database_url, slack, public_figures="output_and_spend")
        )
    assert titles_of(digest) == {
        # Dan burned the most tokens but shared nothing: Carol, the top token user who shared, is Token Legend.
        "token_legend": [("Carol Chen", 1)],
        "session_immortal": [("Carol Chen", 1)],  # 2 active days; everyone else 1
        "builder_of_the_week": [("Erin Evans", 1)],  # 2.5 work units
        "efficiency_ace": [("Erin Evans", 1)],  # $45.50 / 2.5 = $18.20 per unit; Bob's $0.25 is under $10
        "rising_star": [("Erin Evans", 1)],  # +2.5 on last week; Carol +1, Bob +1
        "first_build": [("Bob Baker", 1), ("Erin Evans", 1)],  # Carol shared before
    }
    # Token Legend stays, rank only: its tokens are not in the public digest unless spend is public.
    [legend] = [t for t in digest.titles if t.key == "token_legend"]
    assert (legend.name, legend.emoji, legend.metric, legend.metric_value) == ("Token Legend", ":fire:", "tokens", None)
    [legend] = [t for t in spend_public.titles if t.key == "token_legend"]
    assert legend.metric_value == Decimal(860_000)
    [builder] = [t for t in digest.titles if t.key == "builder_of_the_week"]
    assert builder.metric_value == Decimal("2.5")  # output is always a public figure


def test_without_the_artifact_requirement_the_biggest_burner_is_still_no_token_legend(rt, database_url, slack):
    # Issue 17: titles are public, and nobody without counted output is shown in public: Dan (1.2M tokens,
    # nothing shared) holds nothing even with BUILDBOARD_TITLES_REQUIRE_ARTIFACT=false.
    build_week(rt.sessions)
    settings = make_settings(database_url, slack, titles_require_artifact=False)
    with rt.sessions() as session:
        digest = compute_digest(session, W47, settings)
    titles = titles_of(digest)
    assert titles["token_legend"] == [("Carol Chen", 1)]
    # Session Immortal: Carol's 2 days beat everyone's 1 either way.
    assert titles["session_immortal"] == [("Carol Chen", 1)]
    assert titles["builder_of_the_week"] == [("Erin Evans", 1)]


def test_the_digest_field_by_field(rt, slack):
    build_week(rt.sessions)
    outcome = run_digest(rt.sessions, rt.sender, rt.settings, week=W47, now=NOW)
    assert outcome.status == "posted"
    [message, thread] = slack.messages_in(DIGEST_CHANNEL)
    assert thread["thread_ts"] == message["ts"]
    blocks = message["blocks"]
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Buildboard · Week 47 (16–22 Nov 2026)", "emoji": True},
    }
    # The week in a paragraph (no LLM here: built from the numbers), then the totals.
    assert blocks[1]["text"]["text"] == STORY and blocks[2]["text"]["text"] == STANDOUTS
    assert blocks[3]["elements"][0]["text"] == "Summary built from the numbers (no AI this time)."
    assert [f["text"] for f in blocks[4]["fields"]] == [
        "*Tokens*\n2.4M (▲ 1278%)",
        "*Spend*\n$144.75 (▲ 262%)",
        "*Active people*\n4 (▲ 100%)",
        "*Artifacts shared*\n4 (▲ 300%)",
        "*Work units*\n5.5 (▲ 450%)",
        # $0.25 + $95.00 + $45.50 of $144.75 came from people with counted output; none of it is verified
        # yet. Said once, with what it means.
        "*Evidence ratio*\n97% of spend by people with counted output · 0% verified",
    ]
    assert "showed what they built" not in json.dumps(blocks)
    assert blocks[5] == {"type": "divider"}
    # Output figures only (BUILDBOARD_PUBLIC_FIGURES=output), and only people with output: Dan, the top token
    # user who shared nothing, is not on it.
    assert blocks[6]["text"]["text"] == (
        "*Leaderboard* (by work units)\n"
        "1. <@U0ERIN> — *2.5 work units* · 2 counted\n"
        "2. <@U0CAROL> — *2 work units* · 1 counted\n"
        "3. <@U0BOB> — *1 work unit* · 1 counted"
    )
    assert blocks[7]["elements"][0]["text"] == (
        "4 people used AI this week; 3 shared what they built. "
        "Only people with counted output are ranked: what was built, not tokens burned."
    )
    # Token Legend and Session Immortal stay, rank only: no tokens, days or spend beside a name.
    assert blocks[9]["text"]["text"] == (
        "*Titles*\n"
        ":fire: *Token Legend* — <@U0CAROL>\n"
        ":zombie: *Session Immortal* — <@U0CAROL>\n"
        ":hammer_and_wrench: *Builder of the Week* — <@U0ERIN> · 2.5 work units\n"
        ":dart: *Efficiency Ace* — <@U0ERIN>\n"
        ":star2: *Rising Star* — <@U0ERIN> · +2.5 work units on last week\n"
        ":seedling: *First Build* — <@U0BOB>, <@U0ERIN>"
    )
    assert blocks[11]["text"]["text"] == "*Highlights*"
    assert [b["text"]["text"] for b in blocks[12:16]] == [
        "*<https://git.example.com/notes|Release notes bot>* by <@U0CAROL> — 2 work units",
        "*Lab protocol summariser* by <@U0ERIN> — 1.5 work units",
        "*Tiny script* by <@U0BOB> — 1 work unit",  # asked to be shown in the channel: first among equals
        # User text is escaped: no @channel, no broken formatting.
        "*&lt;!channel&gt; Dataset cleaner &amp; tagger* by <@U0ERIN> — 1 work unit",
    ]
    assert blocks[16] == {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Share what I built", "emoji": True},
                "action_id": "open_share_modal",
                "value": "digest",
                "style": "primary",
            }
        ],
    }
    assert len(blocks) == 18
    assert "<!channel>" not in json.dumps(blocks)

    # The thread: per-team detail; with 5 people per group needed, nobody here can be shown apart.
    assert thread["blocks"][0]["text"]["text"] == "*By team* · Week 47 (16–22 Nov 2026)"
    assert "No team had enough active people" in render_message(thread)
    assert thread["blocks"][-1]["text"]["text"] == (
        "*Buildboard's own AI use:* none (AI is off), so summaries come from the numbers."
    )

    # The chart: a PNG in the same thread, its numbers repeated in the comment and the alt text. Only
    # W46 and W47 have data: the six weeks before are left out, not drawn as $0.
    [chart] = slack.uploaded_files
    assert chart["filename"] == "buildboard-2026-W47.png" and chart["bytes"][:4] == b"\x89PNG"
    assert chart["thread_ts"] == message["ts"] and chart["channel_id"] == DIGEST_CHANNEL
    assert chart["title"] == "AI spend and work units, W46–W47 2026"
    assert (
        chart["initial_comment"]
        == chart["alt_text"]
        == (
            "AI spend and work units, W46–W47 2026. W46: $40.00 spend, 1 work unit, $40.00 per work unit; "
            "W47 (this digest): $144.75 spend, 5.5 work units, $26.32 per work unit."
        )
    )

    with rt.sessions() as session:
        rows = {r.idempotency_key: r for r in session.scalars(select(OutboxMessage))}
    key = f"digest:{DIGEST_CHANNEL}:2026-W47"
    assert set(rows) == {key, f"{key}:teams", f"{key}:chart"}
    assert rows[f"{key}:teams"].thread_of_key == key and rows[f"{key}:chart"].kind == "digest_chart"
    # The rows hold what to build (the week), not the words or the picture: both are made when sent.
    assert rows[f"{key}:chart"].payload["week"] == "2026-W47" and "content_b64" not in rows[f"{key}:chart"].payload
    assert "blocks" not in rows[key].payload

    # Once per channel and week, thread and chart included.
    again = run_digest(rt.sessions, rt.sender, rt.settings, week=W47, now=NOW)
    assert again.status == "already_posted"
    assert len(slack.messages_in(DIGEST_CHANNEL)) == 2 and len(slack.uploaded_files) == 1


def test_team_detail_in_the_thread(rt, database_url, slack):
    build_week(rt.sessions)
    settings = make_settings(database_url, slack, min_group_size=1)
    sender = OutboxSender(rt.sessions, rt.slack, clock=rt.clock, renderer=MessageRenderer(settings))
    outcome = run_digest(rt.sessions, sender, settings, week=W47, now=NOW)
    assert outcome.status == "posted"
    thread = [m for m in slack.messages_in(DIGEST_CHANNEL) if m.get("thread_ts")][0]
    # Research's only active person, Erin, is named with her figures in the digest: a Research row would be
    # her own numbers, so it joins "Other teams" — and that row (Erin alone beyond the named) takes Platform in.
    assert thread["blocks"][1]["text"]["text"] == (
        "*Other teams (2 teams merged so nobody is singled out)* — 4 active · "
        "2.4M tokens · $144.75 · 4 shared · 5.5 work units"
    )
    # With groups of 2, even all four together are only one person (Dan) beyond the three named: no row at all.
    settings = make_settings(database_url, slack, min_group_size=2)
    with rt.sessions() as session:
        digest = compute_digest(session, W47, settings)
    assert digest.teams == []


def test_an_opted_out_person_is_never_named_but_still_counts(rt):
    build_week(rt.sessions)
    with rt.sessions.begin() as session:
        session.execute(update(Person).where(Person.email == "carol@example.com").values(public_opt_out=True))
    with rt.sessions() as session:
        digest = compute_digest(session, W47, rt.settings)
    titles = titles_of(digest)
    # Carol's titles go to the next eligible people.
    assert titles["token_legend"] == [("Erin Evans", 1)]  # 330K: the top token user left who shared
    assert titles["session_immortal"] == [("Erin Evans", 1)]  # tied on 1 day with Bob; more work units
    assert all("Carol Chen" not in [n for n, _ in holders] for holders in titles.values())
    assert [e.name for e in digest.leaderboard] == ["Erin Evans", "Bob Baker"]
    assert [h.title for h in digest.highlights][0] == "Lab protocol summariser"
    # Totals are unchanged.
    assert (digest.totals.tokens, digest.totals.artifacts, str(digest.totals.spend_usd)) == (
        2_412_000,
        4,
        "144.750000",
    )


def test_departed_and_deactivated_people_are_not_named(rt):
    build_week(rt.sessions)
    with rt.sessions.begin() as session:
        session.execute(update(Person).where(Person.email == "erin@example.com").values(in_org=False))
        session.execute(update(Person).where(Person.email == "bob@example.com").values(active=False))
    with rt.sessions() as session:
        digest = compute_digest(session, W47, rt.settings)
    named = {h.name for t in digest.titles for h in t.holders}
    named |= {e.name for e in digest.leaderboard} | {h.author_name for h in digest.highlights}
    assert named == {"Carol Chen"}  # Dan shared nothing: no output, never named
    assert titles_of(digest)["builder_of_the_week"] == [("Carol Chen", 1)]


def test_awards_are_stored_once_and_repeat_holders_celebrated(rt, slack):
    build_week(rt.sessions)
    people = ids(rt.sessions)
    with rt.sessions.begin() as session:
        award_week(session, W46, rt.settings, NOW)
    with rt.sessions.begin() as session:
        first = award_week(session, W47, rt.settings, NOW)
    legend = [a for a in first if a.title_key == "token_legend"]
    assert [(a.person_id, a.streak_weeks) for a in legend] == [(people["carol"], 2)]
    # A late artifact does not re-award a title already given for the week.
    add_artifact(rt.sessions, "bob@example.com", W47, "Big late thing", units="9", minute=9)
    with rt.sessions.begin() as session:
        again = award_week(session, W47, rt.settings, NOW)
    assert again == first
    with rt.sessions() as session:
        stored = session.execute(
            select(Award.title_key, Award.person_id, Award.streak_weeks, Award.metric_value)
            .where(Award.week_start == W47.start)
            .order_by(Award.title_key, Award.person_id)
        ).all()
    assert [(k, p, s) for k, p, s, _ in stored] == [
        ("builder_of_the_week", people["erin"], 1),
        ("efficiency_ace", people["erin"], 1),
        ("first_build", people["bob"], 1),
        ("first_build", people["erin"], 1),
        ("rising_star", people["erin"], 1),
        ("session_immortal", people["carol"], 2),
        ("token_legend", people["carol"], 2),
    ]
    # The digest shows the stored titles with their streaks.
    run_digest(rt.sessions, rt.sender, rt.settings, week=W47, now=NOW)
    text = json.dumps(slack.messages_in(DIGEST_CHANNEL)[0]["blocks"], ensure_ascii=False)
    assert ":fire: *Token Legend* — <@U0CAROL> (2nd week running)" in text
    assert "(2nd week running) · 860K tokens" not in text  # rank only: no tokens in public
    assert "<@U0BOB> — *10 work units*" in text  # the leaderboard itself uses today's numbers


def test_a_dry_run_stores_no_awards(rt):
    build_week(rt.sessions)
    outcome = run_digest(rt.sessions, None, rt.settings, week=W47, now=NOW, dry_run=True)
    assert outcome.status == "dry_run" and outcome.digest.titles
    with rt.sessions() as session:
        assert session.scalars(select(Award)).all() == []


def test_the_story_of_the_week_opens_the_digest(rt):
    from bot.domain.story import WeekStory
    from bot.slack.blocks.digest import digest_blocks

    build_week(rt.sessions)
    with rt.sessions() as session:
        digest = compute_digest(session, W47, rt.settings, summary=WeekStory("A week of release tooling <!channel>."))
    blocks = digest_blocks(digest)
    # Under the heading, escaped (the story quotes what people typed), with where it came from.
    assert blocks[0]["type"] == "header"
    assert blocks[1] == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "*The week in a paragraph*\nA week of release tooling &lt;!channel&gt;."},
    }
    assert blocks[2]["type"] == "context"


def test_ranking_by_tokens(rt, database_url, slack):
    build_week(rt.sessions)
    settings = make_settings(database_url, slack, rank_by="tokens")
    with rt.sessions() as session:
        digest = compute_digest(session, W47, settings)
    # Among people with output only: Dan's 1.2M tokens without output rank nowhere.
    assert [e.name for e in digest.leaderboard] == ["Carol Chen", "Erin Evans", "Bob Baker"]


def test_export_awards(rt, database_url, monkeypatch, capsys):
    from bot.cli import main

    build_week(rt.sessions)
    with rt.sessions.begin() as session:
        award_week(session, W46, rt.settings, NOW)
        award_week(session, W47, rt.settings, NOW)
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["export", "awards", "--week", "2026-W47"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "week,title,email,name,metric_value,streak_weeks"
    assert "2026-W47,token_legend,carol@example.com,Carol Chen,860000,2" in lines
    assert "2026-W47,efficiency_ace,erin@example.com,Erin Evans,18.2,1" in lines
    assert len(lines) == 1 + 7


def test_a_bad_titles_file_stops_the_digest_with_a_clear_message(
    rt, database_url, slack, tmp_path, monkeypatch, capsys
):
    from bot.cli import main

    build_week(rt.sessions)
    bad = tmp_path / "titles.toml"
    bad.write_text('[[title]]\nkey = "night_owl"\nname = "Night Owl"\nmetric = "tokenz"\n')
    for name, value in {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_API_URL": slack.base_url,
        "BUILDBOARD_DIGEST_CHANNEL": DIGEST_CHANNEL,
        "BUILDBOARD_TITLES_FILE": str(bad),
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["digest", "--week", "2026-W47"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err == (
        f"buildboard: titles file {bad}: title 1 (night_owl): field 'metric': 'tokenz' is not one of tokens, "
        "spend_usd, active_days, artifacts, work_units, cost_per_work_unit, work_units_gain, first_artifact; "
        "nothing was posted"
    )
    assert slack.posted_messages == []
    with rt.sessions() as session:
        assert session.scalars(select(OutboxMessage)).all() == [] and session.scalars(select(Award)).all() == []


def test_a_digest_queued_in_an_outage_is_built_when_sent(rt, slack):
    """Slack is down when the digest is queued; one named person opts out and another is deactivated
    before it recovers: the digest that goes out names neither (it is built at send time)."""
    build_week(rt.sessions)
    with rt.sessions() as session:
        before = compute_digest(session, W47, rt.settings)
    named_before = {e.name for e in before.leaderboard} | {h.name for t in before.titles for h in t.holders}
    assert {"Carol Chen", "Erin Evans"} <= named_before  # both would have been named

    sender = OutboxSender(
        rt.sessions,
        rt.slack,
        clock=rt.clock,
        pacer=Pacer(per_channel_interval=0),
        retry_base=0.01,
        local_tries=2,
        renderer=rt.renderer,
    )
    slack.fail_next("chat.postMessage", status=500, times=50)
    queued = run_digest(rt.sessions, sender, rt.settings, week=W47, now=NOW)
    assert queued.status == "deferred" and slack.messages_in(DIGEST_CHANNEL) == []

    set_person(rt.sessions, "carol@example.com", public_opt_out=True)
    set_person(rt.sessions, "erin@example.com", active=False)
    slack.recover()
    with rt.sessions.begin() as session:  # the retry is due now, not after the backoff
        session.execute(update(OutboxMessage).values(not_before=NOW))
    sender.send_due()

    [message, thread] = slack.messages_in(DIGEST_CHANNEL)
    posted = json.dumps([message, thread])
    for name, slack_id in (("Carol", "U0CAROL"), ("Erin", "U0ERIN")):
        assert name not in posted and slack_id not in posted
    assert "Bob Baker" in posted or "U0BOB" in posted  # still named: he changed nothing


def test_a_showcase_queued_in_an_outage_respects_a_later_opt_out_and_erasure(rt, slack):
    from bot.domain.artifacts import share_fields
    from bot.services.erasure import forget
    from bot.services.sharing import share

    load_org(rt.sessions)
    sender = OutboxSender(rt.sessions, rt.slack, clock=rt.clock, pacer=Pacer(per_channel_interval=0), local_tries=1)
    form = {
        "title": "Deploy notes",
        "url": "https://git.example.com/d",
        "description": "Writes deploy notes for each release.",
    }
    form |= {"kind": "tool", "hours_saved": "", "share_in_channel": True}
    slack.fail_next("chat.postMessage", error="service_unavailable", times=50)
    for user in ("U0CAROL", "U0DAN"):
        mine = form | {"url": f"https://git.example.com/d/{user[-3:].lower()}"}  # a link counts once in the org
        outcome = share(
            rt.sessions, rt.nudge_dms, sender, rt.settings, slack_user_id=user, week=W47, fields=share_fields(mine),
            now=NOW,
        )  # fmt: skip
        assert outcome.showcase == "queued"
    set_person(rt.sessions, "carol@example.com", public_opt_out=True)
    forget(rt.sessions, email="dan@example.com", now=NOW)
    slack.recover()
    with rt.sessions.begin() as session:
        session.execute(update(OutboxMessage).values(not_before=NOW))
    sender.send_due()

    [showcase] = slack.messages_in(DIGEST_CHANNEL)  # Dan was erased: his showcase went with his data
    assert showcase["text"].startswith("A colleague shared what they built")
    assert "U0CAROL" not in json.dumps(showcase) and "Carol" not in json.dumps(showcase)
    with rt.sessions() as session:
        rows = session.execute(select(OutboxMessage.idempotency_key, OutboxMessage.status)).all()
    assert [status for _, status in rows] == ["sent"]
