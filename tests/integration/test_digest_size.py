"""However large the organisation, the digest and its thread stay within Slack's limits (85,000 people)."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Date, Numeric, String, case, cast, func, insert, literal, or_, select, union_all

from bot.db.models import Artifact, Award, Person, UsageDaily, UtcDateTime
from bot.db.usage_weekly import rebuild_usage_weekly
from bot.demo.standin.block_kit_limits import (
    MAX_BLOCK_TEXT_TOTAL,
    MAX_MESSAGE_BLOCKS,
    MAX_SECTION_TEXT,
    block_text_total,
)
from bot.domain.periods import IsoWeek
from bot.services.digest import compute_digest, run_digest
from bot.slack.delivery import OutboxSender, Pacer
from tests.conftest import DIGEST_CHANNEL, NOW

W47 = IsoWeek(2026, 47)
PEOPLE = 85_000
SHARERS = 12_000  # every one of them a First Build: the title is held by thousands
LONG_NAME = "Émilie-Ålexandra " + "Q" * 180  # 197 characters, and no Slack id: the name is shown, not a mention
LONG_TITLE = "<!channel> & a very long artifact title " + "x" * 110  # 150 characters
LONG_URL = "https://example.com/" + "p" * 1980


@pytest.fixture(autouse=True)
def unpaced_sender(rt):
    rt.__dict__["sender"] = OutboxSender(
        rt.sessions, rt.slack, clock=rt.clock, pacer=Pacer(per_channel_interval=0), renderer=rt.renderer
    )


def populate(sessions) -> None:
    """People, usage and artifacts inserted in bulk: INSERT … SELECT from a generated series, in the database."""
    n = select(literal(0).label("i")).cte("n", recursive=True)
    n = n.union_all(select(n.c.i + 1).where(n.c.i < PEOPLE - 1))
    number = cast(n.c.i, String)
    now = literal(NOW, UtcDateTime())
    people = select(
        literal("p").concat(number).concat("@big.example.com"),
        # Every 7th person has a very long name and no Slack id, so the name itself is shown.
        case((n.c.i % 7 == 0, LONG_NAME), else_=literal("Person ").concat(number)),
        # ~1,700 teams of ~48 people, then 3,000 one-person teams that must be merged away.
        case(
            (n.c.i < 82_000, literal("Team ").concat(cast(n.c.i % 1700, String)).concat(" " + "t" * 150)),
            else_=literal("Tiny team ").concat(number),
        ),
        case((n.c.i % 7 == 0, None), else_=literal("U").concat(number)),
        literal(True),
        literal(True),
        literal(True),
        (n.c.i % 11) == 0,  # every 11th person opted out of public posts
        now,
        now,
    )
    columns = [
        "email",
        "name",
        "team",
        "slack_user_id",
        "in_org",
        "active",
        "nudges_enabled",
        "public_opt_out",
        "created_at",
        "updated_at",
    ]
    days = union_all(
        *[select(literal(d).label("idx"), literal(W47.start + timedelta(days=d), Date).label("day")) for d in range(7)]
    ).cte("days")
    with sessions.begin() as session:
        session.execute(insert(Person.__table__).from_select(columns, people))
        first = session.scalar(select(func.min(Person.id)))
        # One usage day each; every 50th person all week long, so hundreds tie for Session Immortal.
        usage = (
            select(
                Person.id,
                days.c.day,
                literal("openai"),
                literal("gpt-4o"),
                Person.id + 1000,
                literal(0),
                literal(100),
                literal(1),
                cast(literal(Decimal("1.25")) + Person.id % 97, Numeric(16, 6)),
                literal("reported"),
                literal("csv"),
                now,
            )
            .select_from(Person)
            .join(days, or_(days.c.idx == 0, Person.id % 50 == 0))
        )
        session.execute(
            insert(UsageDaily.__table__).from_select(
                [
                    "person_id",
                    "day",
                    "provider",
                    "model",
                    "input_tokens",
                    "cached_input_tokens",
                    "output_tokens",
                    "requests",
                    "cost_usd",
                    "cost_source",
                    "source",
                    "updated_at",
                ],
                usage,
            )
        )
        rebuild_usage_weekly(session)  # the rows above bypassed write_usage
        # The first 12,000 people each shared a long-titled, long-linked artifact: all tied at the top.
        artifacts = select(
            Person.id,
            literal(W47.start, Date),
            literal(LONG_TITLE),
            literal(LONG_URL),
            literal("d"),
            literal("tool"),
            literal(True),
            literal(0),
            literal(0),
            literal(6),
            literal("default"),
            now,
            now,
        ).where(Person.id < first + SHARERS)
        session.execute(
            insert(Artifact.__table__).from_select(
                [
                    "person_id",
                    "week_start",
                    "title",
                    "url",
                    "description",
                    "kind",
                    "share_in_channel",
                    "tokens_snapshot",
                    "spend_snapshot_usd",
                    "work_units",
                    "work_units_source",
                    "created_at",
                    "updated_at",
                ],
                artifacts,
            )
        )


def test_the_digest_of_85000_people_fits_slack(rt, slack):
    started = time.monotonic()
    populate(rt.sessions)
    loaded = time.monotonic()
    outcome = run_digest(rt.sessions, rt.sender, rt.settings, week=W47, now=NOW)
    took = time.monotonic() - loaded
    print(f"\n85,000 people: loaded in {loaded - started:.1f}s, digest computed and posted in {took:.1f}s")
    # The stand-in refuses anything over Slack's limits (blocks, section text, total text): it was accepted.
    assert outcome.status == "posted", outcome.message
    [message, thread] = slack.messages_in(DIGEST_CHANNEL)
    assert len(slack.uploaded_files) == 1
    for posted in (message, thread):
        blocks = posted["blocks"]
        assert len(blocks) <= MAX_MESSAGE_BLOCKS
        assert block_text_total(blocks) <= MAX_BLOCK_TEXT_TOTAL
        for block in blocks:
            text = (block.get("text") or {}).get("text", "")
            assert len(text) <= MAX_SECTION_TEXT
            assert not text.endswith("…"), "a section was cut: rows or links would be lost"
    with rt.sessions() as session:  # the digest as it was sent: built from what is stored
        digest = compute_digest(session, W47, rt.settings, stored=True)
    assert len(digest.leaderboard) == 10
    assert digest.totals.active_people == PEOPLE
    titles = {t.key: t for t in digest.titles}
    assert len(titles["first_build"].holders) == 5
    # Opted-out people (every 11th) are never named, though they hold no title nor a board place.
    first_build_named = SHARERS - len([i for i in range(SHARERS) if i % 11 == 0])
    assert titles["first_build"].more_holders == first_build_named - 5
    assert f"and {first_build_named - 5} more" in str(message["blocks"])
    assert len(digest.highlights) == 5
    # Links longer than Slack can carry five of are shown as plain (escaped) titles.
    assert "&lt;!channel&gt;" in str(message["blocks"]) and "<!channel>" not in str(message["blocks"])
    assert "more teams" in str(thread["blocks"])
    with rt.sessions() as session:
        assert session.scalar(select(Award.id).where(Award.title_key == "first_build").limit(1)) is not None
