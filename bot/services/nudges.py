"""Nudges: ask each heavy AI user, once a week, what the tokens built — and record their answer.

Flow: `queue_nudges` picks the people (bot/domain/nudges.py) and writes one `nudges` row and one
outbox row `nudge:<person_id>:<week>` per person in the same transaction; the outbox sender delivers
the DMs (the scheduler at each person's local hour, `buildboard nudge` at once). The buttons in
the DM lead to `bot/services/sharing.py` (Share), `nothing_to_show` and `remind_later` here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, exists, func, literal, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Nudge, OutboxMessage, Person
from bot.db.upsert import insert_ignore
from bot.db.value_sets import in_values
from bot.domain.delivery import DeliveryReport, HeldClaims, MessageIntent, MessageKind, dm_channel
from bot.domain.nudges import (
    AnsweredNudgeDms,
    NudgeAnswer,
    NudgeCandidate,
    NudgeChoice,
    next_local_hour,
    person_zone,
    select_for_nudge,
    why_no_dm_now,
)
from bot.domain.periods import IsoWeek
from bot.domain.stats import PersonWeek
from bot.services import outbox
from bot.services.identity import UserLookup, person_by_slack_id
from bot.services.ports import MessageSender, NudgeDms
from bot.services.stats import person_weeks
from bot.settings import Settings

log = logging.getLogger(__name__)

OPEN = ("queued", "sent")  # asked, not answered, not snoozed
ANSWERED = ("shared", "nothing_to_show")
CANCELLED = "cancelled"  # an outbox status: a reminder made pointless by an answer


def nudge_key(person_id: int, week: IsoWeek) -> str:
    return f"nudge:{person_id}:{week}"


def reminder_key(person_id: int, week: IsoWeek) -> str:
    return f"reminder:{person_id}:{week}"


@dataclass(frozen=True)
class PlannedNudge:
    choice: NudgeChoice
    person_id: int
    name: str | None
    email: str | None
    channel: str  # the Slack user id, or person:<id> to look up by email when sending
    not_before: datetime


@dataclass
class NudgeQueueReport:
    week: IsoWeek
    planned: list[PlannedNudge] = field(default_factory=list)
    queued: int = 0  # new this run
    already: int = 0  # queued by an earlier run (sent or still waiting)
    keys: list[str] = field(default_factory=list)  # every planned nudge's outbox key


def plan_nudges(
    session: Session, settings: Settings, week: IsoWeek, now: datetime, *, at_local_hour: bool
) -> list[PlannedNudge]:
    """Who is asked for `week`, and when (read-only)."""
    weeks = person_weeks(session, week)
    permissive = select_for_nudge(
        (NudgeCandidate(w) for w in weeks.values()),
        min_spend_usd=settings.nudge_min_spend_usd,
        top_percent=settings.nudge_top_percent,
    )
    # Only the few people the rule could pick are loaded, never the whole organisation.
    people = {
        p.id: p for p in session.scalars(select(Person).where(in_values(Person.id, [c.person_id for c in permissive])))
    }

    def candidate(w: PersonWeek) -> NudgeCandidate:
        p = people.get(w.person_id)
        if p is None:
            return NudgeCandidate(w)
        return NudgeCandidate(
            w,
            active=p.active,
            in_org=p.in_org and p.forgotten_at is None and p.name is not None,
            nudges_enabled=p.nudges_enabled,
        )

    chosen = select_for_nudge(
        (candidate(w) for w in weeks.values()),
        min_spend_usd=settings.nudge_min_spend_usd,
        top_percent=settings.nudge_top_percent,
    )
    planned = []
    for choice in chosen:
        person = people[choice.person_id]
        when = now
        if at_local_hour:
            zone = person_zone(person.slack_timezone, person.timezone, settings.zone)
            when = next_local_hour(now, zone, settings.nudge_local_hour)
        planned.append(
            PlannedNudge(
                choice=choice,
                person_id=person.id,
                name=person.name,
                email=person.email,
                channel=dm_channel(person.slack_user_id, person.id),
                not_before=when,
            )
        )
    return planned


def queue_nudges(
    session_factory: sessionmaker[Session],
    settings: Settings,
    week: IsoWeek,
    now: datetime,
    *,
    at_local_hour: bool,
    dry_run: bool = False,
) -> NudgeQueueReport:
    """Queue one nudge DM per chosen person for `week` (idempotent: a second run queues nothing new)."""
    report = NudgeQueueReport(week)
    with session_factory() as session:
        report.planned = plan_nudges(session, settings, week, now, at_local_hour=at_local_hour)
    report.keys = [nudge_key(p.person_id, week) for p in report.planned]
    if dry_run:
        return report
    for plan in report.planned:
        choice = plan.choice
        # One short transaction per person, write first (SQLite then takes its write lock at once).
        with session_factory.begin() as session:
            created = insert_ignore(
                session,
                Nudge.__table__,
                {
                    "person_id": plan.person_id,
                    "week_start": week.start,
                    "status": "queued",
                    "tokens": choice.tokens,
                    "spend_usd": choice.spend_usd,
                    "rank": choice.rank,
                    "created_at": now,
                },
                key=("person_id", "week_start"),
            )
            if not created:
                report.already += 1
                continue
            outbox.queue(session, nudge_intent(plan, week), now)
            report.queued += 1
    return report


@dataclass
class NudgeDryRun:
    """Who a `buildboard nudge` run now would DM, and who of the week's chosen people it leaves out, and why."""

    week: IsoWeek
    would_dm: list[PlannedNudge] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)  # reason → people


def dry_run_nudges(
    session_factory: sessionmaker[Session], settings: Settings, week: IsoWeek, now: datetime
) -> NudgeDryRun:
    """What `queue_nudges` and `send_week` would do now, without writing: the people asked earlier are left out."""
    result = NudgeDryRun(week)
    with session_factory() as session:
        planned = plan_nudges(session, settings, week, now, at_local_hour=False)
        earlier = {
            person_id: (status, dm_status == "sent")
            for person_id, status, dm_status in session.execute(
                select(Nudge.person_id, Nudge.status, OutboxMessage.status)
                .outerjoin(OutboxMessage, OutboxMessage.idempotency_key == _key_expr("nudge", week))
                .where(Nudge.week_start == week.start, in_values(Nudge.person_id, [p.person_id for p in planned]))
            )
        }
    for plan in planned:
        reason = why_no_dm_now(*earlier.get(plan.person_id, (None, False)))
        if reason is None:
            result.would_dm.append(plan)
        else:
            result.left_out[reason] = result.left_out.get(reason, 0) + 1
    return result


def nudge_intent(plan: PlannedNudge, week: IsoWeek) -> MessageIntent:
    """The DM asking `plan`'s person what they built: their week's figures travel with it."""
    choice = plan.choice
    return MessageIntent(
        key=nudge_key(plan.person_id, week),
        kind=MessageKind.NUDGE,
        channel=plan.channel,
        params={
            "week": str(week),
            "tokens": choice.tokens,
            "spend_usd": str(choice.spend_usd),
            "rank": choice.rank,
            "ranked_people": choice.ranked_people,
        },
        person_id=plan.person_id,
        not_before=plan.not_before,
    )


def week_keys(session: Session, week: IsoWeek) -> list[str]:
    """Outbox keys of every nudge and reminder of `week`."""
    person_ids = session.scalars(select(Nudge.person_id).where(Nudge.week_start == week.start)).all()
    return [nudge_key(pid, week) for pid in person_ids] + [reminder_key(pid, week) for pid in person_ids]


def send_week(
    session_factory: sessionmaker[Session],
    sender: MessageSender,
    week: IsoWeek,
    now: datetime,
    *,
    on_wait: Callable[[HeldClaims], object] | None = None,
) -> DeliveryReport:
    """Send the week's due nudges and reminders now: a crashed earlier run's leftovers too, waiting for its claims."""
    with session_factory() as session:
        keys = week_keys(session, week)
    report = sender.send_all(keys, on_wait=on_wait) if keys else DeliveryReport()
    with session_factory.begin() as session:
        sync_nudge_status(session, week, now)
    return report


def undelivered(session: Session, week: IsoWeek, now: datetime) -> int:
    """The week's nudge and reminder DMs that are due by `now` and not yet sent (pending, or claimed by a sender)."""
    keys = week_keys(session, week)
    if not keys:
        return 0
    due = or_(
        OutboxMessage.status == "sending",
        and_(OutboxMessage.status == "pending", OutboxMessage.not_before <= now),
    )
    query = select(func.count()).where(in_values(OutboxMessage.idempotency_key, keys), due)
    return int(session.scalar(query) or 0)


def _key_expr(prefix: str, week: IsoWeek) -> ColumnElement[str]:
    return literal(prefix + ":") + cast(Nudge.person_id, String) + literal(f":{week}")


def sync_nudge_status(session: Session, week: IsoWeek, now: datetime) -> None:
    """Nudges whose DM went out become `sent`; snoozed ones whose reminder went out, `reminded`.

    Whoever sends the outbox (the CLI, the scheduler) calls this afterwards; answers do not depend on it.
    """
    for prefix, before, after in (("nudge", "queued", "sent"), ("reminder", "snoozed", "reminded")):
        values: dict[str, Any] = {"status": after}
        if after == "reminded":
            values["reminded_at"] = now
        session.execute(
            update(Nudge)
            .where(
                Nudge.week_start == week.start,
                Nudge.status == before,
                exists().where(
                    and_(OutboxMessage.idempotency_key == _key_expr(prefix, week), OutboxMessage.status == "sent")
                ),
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )


# -- answers ----------------------------------------------------------------------------------------------


def _nudge_for(session: Session, person: Person, week: IsoWeek, now: datetime) -> Nudge:
    """The person's nudge for `week` (created when they answer without one, e.g. from a forwarded DM)."""
    nudge = session.scalars(select(Nudge).where(Nudge.person_id == person.id, Nudge.week_start == week.start)).first()
    if nudge is None:
        from bot.services.artifacts import week_snapshot

        tokens, spend = week_snapshot(session, person.id, week)
        nudge = Nudge(
            person_id=person.id, week_start=week.start, status="sent", tokens=tokens, spend_usd=spend, created_at=now
        )
        session.add(nudge)
        session.flush()
    return nudge


def cancel_reminder(session: Session, person_id: int, week: IsoWeek) -> None:
    """An answered nudge needs no reminder: a reminder still waiting is not sent."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.idempotency_key == reminder_key(person_id, week), OutboxMessage.status == "pending")
        .values(status=CANCELLED, last_error="answered before the reminder was due")
    )


def mark_answered(session: Session, person: Person, week: IsoWeek, status: str, now: datetime) -> Nudge | None:
    """Record the answer on the person's nudge for `week`, if they were asked."""
    nudge = session.scalars(select(Nudge).where(Nudge.person_id == person.id, Nudge.week_start == week.start)).first()
    if nudge is None:
        return None
    if nudge.status != "shared":  # a later "nothing" never overrides a share
        nudge.status = status
    nudge.answered_at = nudge.answered_at or now
    cancel_reminder(session, person.id, week)
    return nudge


def show_answer(
    session_factory: sessionmaker[Session],
    dms: NudgeDms,
    person_id: int,
    week: IsoWeek,
    tokens: int,
    spend_usd: Decimal,
    answer: NudgeAnswer,
) -> int:
    """Rewrite the person's nudge (and reminder) DMs for `week` to show `answer`; returns how many were."""
    keys = [nudge_key(person_id, week), reminder_key(person_id, week)]
    with session_factory() as session:
        sent = session.execute(
            select(OutboxMessage.sent_channel, OutboxMessage.sent_ts).where(
                OutboxMessage.idempotency_key.in_(keys),
                OutboxMessage.status == "sent",
                OutboxMessage.sent_ts.is_not(None),
            )
        ).all()
    if not sent:
        return 0
    return dms.show_answer(
        AnsweredNudgeDms(
            week, tokens, spend_usd, answer, tuple((channel, ts) for channel, ts in sent if channel and ts)
        )
    )


@dataclass(frozen=True)
class AnswerOutcome:
    status: str  # recorded | snoozed | already_snoozed | already_answered
    answer: NudgeAnswer | None = None  # what was recorded (recorded, snoozed)
    remind_at: datetime | None = None


def nothing_to_show(
    session_factory: sessionmaker[Session],
    dms: NudgeDms,
    slack_user_id: str,
    week: IsoWeek,
    reason: str,
    reason_text: str | None,
    now: datetime,
    lookup_user: UserLookup | None = None,
) -> AnswerOutcome:
    """ "Nothing to show yet", with the reason: recorded as a legitimate answer, the DM updated."""
    with session_factory.begin() as session:
        person = person_by_slack_id(session, slack_user_id, lookup_user)
        nudge = _nudge_for(session, person, week, now)
        if nudge.status != "shared":
            nudge.status = "nothing_to_show"
            nudge.reason = reason
            nudge.reason_text = (reason_text or None) and reason_text[:500]
        nudge.answered_at = nudge.answered_at or now
        cancel_reminder(session, person.id, week)
        person_id, tokens, spend = person.id, nudge.tokens, Decimal(nudge.spend_usd)
    answer = NudgeAnswer("nothing_to_show", reason=reason, reason_text=reason_text or None)
    show_answer(session_factory, dms, person_id, week, tokens, spend, answer)
    return AnswerOutcome("recorded", answer)


def remind_later(
    session_factory: sessionmaker[Session],
    dms: NudgeDms,
    settings: Settings,
    slack_user_id: str,
    week: IsoWeek,
    now: datetime,
    lookup_user: UserLookup | None = None,
) -> AnswerOutcome:
    """ "Remind me later": one reminder after BUILDBOARD_REMIND_AFTER_DAYS days, never a second."""
    remind_at = now + timedelta(days=settings.remind_after_days)
    with session_factory.begin() as session:
        person = person_by_slack_id(session, slack_user_id, lookup_user)
        nudge = _nudge_for(session, person, week, now)
        if nudge.status in ANSWERED:
            return AnswerOutcome("already_answered")
        if nudge.status not in OPEN:
            return AnswerOutcome("already_snoozed", remind_at=nudge.remind_at)
        asked = outbox.find(session, nudge_key(person.id, week))
        channel = asked.channel if asked is not None else dm_channel(person.slack_user_id, person.id)
        reminder = MessageIntent(
            key=reminder_key(person.id, week),
            kind=MessageKind.REMINDER,
            channel=channel,
            params={"week": str(week), "tokens": nudge.tokens, "spend_usd": str(Decimal(nudge.spend_usd))},
            person_id=person.id,
            not_before=remind_at,
        )
        queued = outbox.queue(session, reminder, now)
        if not queued.created:  # the key is the second guard: at most one reminder per nudge
            return AnswerOutcome("already_snoozed", remind_at=nudge.remind_at)
        nudge.status, nudge.remind_at = "snoozed", remind_at
        person_id, tokens, spend = person.id, nudge.tokens, Decimal(nudge.spend_usd)
    answer = NudgeAnswer("snoozed", remind_at=remind_at)
    show_answer(session_factory, dms, person_id, week, tokens, spend, answer)
    return AnswerOutcome("snoozed", answer, remind_at)
