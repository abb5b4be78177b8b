"""The weekly digest: compute the week in SQL, lay it out, send it once per channel and week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.domain.digest import BoardEntry, WeeklyDigest
from bot.domain.periods import IsoWeek
from bot.domain.ranking import rank
from bot.llm.client import LlmClient, llm_status
from bot.services import outbox
from bot.services.llm_usage import llm_spend
from bot.services.stats import org_week, people_by_id, person_weeks
from bot.services.story import tell_week
from bot.settings import Settings
from bot.slack.blocks.digest import digest_blocks, digest_text
from bot.slack.blocks.story import ai_spend_text
from bot.slack.blocks.text import section
from bot.slack.delivery import OutboxSender

BOARD_SIZE = 10


def digest_key(channel: str, week: IsoWeek) -> str:
    return f"digest:{channel}:{week}"


def ai_spend_key(channel: str, week: IsoWeek) -> str:
    """The thread reply on Buildboard's own AI spend."""
    return f"digest-ai-spend:{channel}:{week}"


def compute_digest(session: Session, week: IsoWeek, settings: Settings) -> WeeklyDigest:
    """Everything the digest says about `week`."""
    weeks = person_weeks(session, week)
    ranked = rank(weeks.values(), settings.rank_by)
    # Only a few hundred candidates are looked up, never the whole organisation.
    candidates = ranked[: BOARD_SIZE * 20]
    people = people_by_id(session, [w.person_id for w in candidates])
    board: list[BoardEntry] = []
    for week_stats in candidates:
        person = people.get(week_stats.person_id)
        if person is None or not person.in_org or not person.active or person.public_opt_out:
            continue
        board.append(
            BoardEntry(
                position=len(board) + 1,
                person_id=person.id,
                name=person.name,
                slack_user_id=person.slack_user_id,
                tokens=week_stats.tokens,
                spend_usd=week_stats.spend_usd,
                artifacts=week_stats.artifacts,
                work_units=week_stats.work_units,
                cost_per_work_unit=week_stats.cost_per_work_unit,
            )
        )
        if len(board) == BOARD_SIZE:
            break
    return WeeklyDigest(
        week=week,
        totals=org_week(session, week),
        previous=org_week(session, week.previous()),
        leaderboard=board,
        rank_by=settings.rank_by,
    )


@dataclass
class DigestOutcome:
    week: IsoWeek
    channel: str
    status: str  # posted | already_posted | failed | deferred | dry_run
    message: str
    digest: WeeklyDigest
    blocks: list[dict]


def run_digest(
    session_factory: sessionmaker[Session],
    sender: OutboxSender | None,
    settings: Settings,
    *,
    week: IsoWeek,
    now: datetime,
    dry_run: bool = False,
    llm: LlmClient | None = None,
) -> DigestOutcome:
    """Compute and post the digest for `week` to the digest channel, exactly once.

    Opens with the week in a paragraph (from `llm`, or built from the data without it) and adds a
    thread reply on Buildboard's own AI spend.
    """
    channel = settings.digest_channel
    if not channel and not dry_run:
        raise ValueError("BUILDBOARD_DIGEST_CHANNEL is not set: set it to the channel id (like C0123456789)")
    with session_factory() as session:
        digest = compute_digest(session, week, settings)
        sent = channel is not None and (found := outbox.find(session, digest_key(channel, week))) is not None
        sent = sent and found.status == "sent"
    if not sent:  # an already-posted digest needs no new summary (and no new LLM call)
        digest.extras["summary"] = tell_week(session_factory, llm, week, now=now)
    with session_factory() as session:
        spend = llm_spend(session, since=now - timedelta(days=7), until=now)
    spend_text = ai_spend_text(spend, llm_off=None if llm is not None else (llm_status(settings) or "no LLM client"))
    blocks, text = digest_blocks(digest), digest_text(digest)
    if dry_run:
        return DigestOutcome(week, channel or "(none)", "dry_run", "not posted (dry run)", digest, blocks)
    assert channel is not None and sender is not None
    key = digest_key(channel, week)
    with session_factory.begin() as session:
        queued = outbox.enqueue(
            session, key=key, kind="digest", channel=channel, payload={"text": text, "blocks": blocks}, now=now
        )
        if not queued.created:
            if queued.message.status == "sending":
                return DigestOutcome(
                    week, channel, "deferred", f"the digest for {week} is being sent by another process", digest, blocks
                )
            if queued.message.status == "sent":
                return DigestOutcome(
                    week,
                    channel,
                    "already_posted",
                    f"the digest for {week} was already posted in {channel}; nothing sent",
                    digest,
                    blocks,
                )
            # Unsent from an earlier run (e.g. the bot was not in the channel): send today's numbers now.
            queued.message.payload = {"text": text, "blocks": blocks}
            queued.message.status, queued.message.not_before, queued.message.last_error = "pending", now, None
        spend_key = ai_spend_key(channel, week)
        spend_payload = {"text": spend_text, "blocks": [section(spend_text)]}
        reply = outbox.enqueue(
            session,
            key=spend_key,
            kind="digest_thread",
            channel=channel,
            payload=spend_payload,
            now=now,
            thread_of_key=key,
        )
        if not reply.created and reply.message.status in ("pending", "failed"):
            reply.message.payload = spend_payload
            reply.message.status, reply.message.not_before, reply.message.last_error = "pending", now, None
    report = sender.send_due(keys=[key])
    sender.send_due(keys=[spend_key])  # after the digest: a thread reply needs its parent's ts
    if report.sent or report.reconciled:
        return DigestOutcome(week, channel, "posted", f"posted the digest for {week} in {channel}", digest, blocks)
    if report.failed:
        return DigestOutcome(week, channel, "failed", "; ".join(report.errors), digest, blocks)
    reason = "; ".join(report.errors) or "Slack is busy; it stays queued and will be sent on the next run"
    return DigestOutcome(week, channel, "deferred", f"not posted yet: {reason}", digest, blocks)
