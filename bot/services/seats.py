"""Seats: who holds which tool's seat, what the seats cost per day, and which seats nobody uses.

- `record_seats` stores one list's seat holders (Cursor's members, Copilot's seats, the people file):
  holders not listed any more are ended (charged through the day before), the others held.
- `charge_seat_costs` writes each held seat's daily share of its monthly price as a usage row
  (`cost_source` `seat`, `source` `seats`, model `<plan> seat`, no tokens), upserted and corrected
  like a sync's rows. The rule against double counting is in bot/domain/seats.py.
- `seat_views` lists every seat with its last active day and whether it is idle (bot/domain/seats.py).

Seat rows are not in the usage_weekly rollup (bot/db/usage_weekly.py): ranking, nudges, titles and
spend flags stay about use; surfaces read seat cost beside usage cost with `seat_cost_by_week`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, or_, select
from sqlalchemy.orm import Session

from bot.db.models import CodeActivityDaily, Person, Seat, UsageDaily
from bot.db.query_types import AnySelect
from bot.db.upsert import upsert
from bot.db.usage_partitions import ensure_usage_partitions
from bot.db.usage_weekly import take_usage_turn, week_start_of
from bot.db.value_sets import PEOPLE, among, in_values, of_members
from bot.domain.delivery import MessageIntent, MessageKind, dm_channel
from bot.domain.periods import IsoWeek
from bot.domain.seats import SEAT_COST_SOURCE, SeatPlan, SeatState, daily_share, days_between, is_idle, month_key
from bot.ingest.identity import PersonResolver
from bot.ingest.records import SeatRecord
from bot.ingest.seat_prices import SeatPrices
from bot.services import outbox

SEAT_ROW_SOURCE = "seats"  # usage_daily.source of seat rows
PEOPLE_FILE = "people_file"
ACTIVITY_LOOKBACK_DAYS = 400  # how far back a last active day is looked for


@dataclass
class SeatsRecorded:
    held: int = 0
    added: int = 0
    ended: int = 0
    unknown_plans: set[str] = field(default_factory=set)
    unmatched_emails: set[str] = field(default_factory=set)


def record_seats(
    session: Session,
    records: Sequence[SeatRecord],
    *,
    source: str,
    prices: SeatPrices,
    held_since: date,
    today: date,
    now: datetime,
    tools: Collection[str] | None = None,
) -> SeatsRecorded:
    """Store `source`'s seat holders: the whole list, so a holder it no longer lists is ended.

    `tools`: the tools this list speaks for (default: those in `records`); seats of other tools are left alone.
    A new seat is held from `held_since` (a sync's first day: the provider listed the person as a member).
    Copilot's seats (`GET /orgs/{org}/copilot/billing/seats`) come in as
    SeatRecord(email, tool="copilot", plan=f"copilot_{plan_type}", last_active_day=<last_activity_at's day>).
    """
    report = SeatsRecorded()
    resolver = PersonResolver(session, now)
    listed: dict[tuple[int, str], SeatRecord] = {}
    for record in records:
        person_id = resolver.person_id(record.email)
        if person_id is None:
            continue
        listed[(person_id, record.tool)] = record
    report.unmatched_emails = set(resolver.unmatched)
    spoken_for = set(tools) if tools is not None else {r.tool for r in records}
    # Every seat of these tools, whichever list reported it: a list may take over a seat another one gave.
    tools_seen = sorted(spoken_for | {r.tool for r in records})
    held = {
        (seat.person_id, seat.tool): seat for seat in session.scalars(select(Seat).where(Seat.tool.in_(tools_seen)))
    }
    existing = {key: seat for key, seat in held.items() if seat.source == source and seat.tool in spoken_for}
    for (person_id, tool), record in listed.items():
        plan = _plan_for(record, prices)
        if plan is None:
            report.unknown_plans.add(record.plan or tool)
            continue
        seat = held.get((person_id, tool))
        if seat is None:
            session.add(
                Seat(
                    person_id=person_id,
                    tool=tool,
                    plan=plan.key,
                    source=source,
                    held_since=held_since,
                    ended_on=None,
                    last_active_day=record.last_active_day,
                    updated_at=now,
                )
            )
            report.added += 1
        else:
            changed = (seat.plan, seat.source, seat.ended_on, seat.last_active_day) != (
                plan.key,
                source,
                None,
                record.last_active_day or seat.last_active_day,
            )
            if seat.ended_on is not None:
                seat.held_since = max(held_since, seat.ended_on + timedelta(days=1))
            if changed:
                seat.plan, seat.source, seat.ended_on = plan.key, source, None
                seat.last_active_day = record.last_active_day or seat.last_active_day
                seat.updated_at = now
        report.held += 1
    for key, seat in existing.items():
        if key not in listed and seat.ended_on is None:
            seat.ended_on = max(seat.held_since, today - timedelta(days=1))
            seat.updated_at = now
            report.ended += 1
    session.flush()
    return report


def _plan_for(record: SeatRecord, prices: SeatPrices) -> SeatPlan | None:
    if record.plan:
        plan = prices.plan(record.plan)
        return plan if plan is not None and plan.tool == record.tool else None
    return prices.default_plan(record.tool)


@dataclass
class SeatCharge:
    rows: int = 0
    cost_usd: Decimal = Decimal(0)
    removed_rows: int = 0
    unpriced_plans: set[str] = field(default_factory=set)


def charge_seat_costs(session: Session, since: date, until: date, prices: SeatPrices, *, now: datetime) -> SeatCharge:
    """Write every seat's daily share for since…until (never past today), and remove seat rows no longer due."""
    until = min(until, now.date())
    charge = SeatCharge()
    if since > until:
        return charge
    seats = session.execute(
        select(Seat.person_id, Seat.plan, Seat.held_since, Seat.ended_on).where(
            Seat.held_since <= until, or_(Seat.ended_on.is_(None), Seat.ended_on >= since)
        )
    ).all()
    rows: list[dict[str, Any]] = []
    shares: dict[tuple[str, date], Decimal] = {}
    for person_id, plan_key, held_since, ended_on in seats:
        plan = prices.plan(plan_key)
        if plan is None or plan.monthly_usd is None:
            charge.unpriced_plans.add(plan_key)
            continue
        for day in days_between(max(since, held_since), min(until, ended_on or until)):
            share = shares.get((plan.key, day))
            if share is None:
                share = shares[(plan.key, day)] = daily_share(plan.monthly_usd, day)
            rows.append(
                {
                    "person_id": person_id,
                    "day": day,
                    "provider": plan.provider,
                    "model": plan.model,
                    "input_tokens": 0,
                    "cached_input_tokens": 0,
                    "output_tokens": 0,
                    "requests": 0,
                    "cost_usd": share,
                    "cost_source": SEAT_COST_SOURCE,
                    "source": SEAT_ROW_SOURCE,
                    "updated_at": now,
                }
            )
            charge.cost_usd += share
    take_usage_turn(session)  # an import that found a day empty may be inserting it without conflict checks
    ensure_usage_partitions(session, {row["day"] for row in rows})
    for start in range(0, len(rows), 5_000):
        upsert(
            session,
            UsageDaily.__table__,
            rows[start : start + 5_000],
            key=("person_id", "day", "provider", "model"),
            update=("cost_usd", "cost_source", "source", "updated_at"),
        )
    charge.rows = len(rows)
    due = {(r["person_id"], r["day"], r["provider"], r["model"]) for r in rows}
    stored = session.execute(
        select(UsageDaily.id, UsageDaily.person_id, UsageDaily.day, UsageDaily.provider, UsageDaily.model).where(
            UsageDaily.source == SEAT_ROW_SOURCE, UsageDaily.day >= since, UsageDaily.day <= until
        )
    ).all()
    gone = [row_id for row_id, *key in stored if tuple(key) not in due]
    if gone:
        # The days bound the delete to their months' partitions on PostgreSQL (an id alone probes every month).
        session.execute(delete(UsageDaily).where(in_values(UsageDaily.id, gone), UsageDaily.day.between(since, until)))
    charge.removed_rows = len(gone)
    return charge


# ------------------------------------------------------------------ reading seats


@dataclass(frozen=True)
class SeatView:
    """One seat as the export, the flags and the idle-seat DM show it."""

    person_id: int
    email: str | None
    name: str | None
    slack_user_id: str | None
    tool: str
    plan: str
    plan_label: str
    monthly_usd: Decimal | None
    held_since: date
    last_active_day: date | None
    idle: bool


def seat_views(
    session: Session,
    prices: SeatPrices,
    *,
    today: date,
    idle_days: int,
    people: Collection[int] | Select[Any] | None = None,
) -> list[SeatView]:
    """Every seat held today (of `people`, a list of ids or a SELECT of ids), with its last active day and idleness.

    The last active day is the latest of: the provider's own figure (Copilot), a day of coding-agent
    activity in the tool (code_activity_daily.provider = the tool), and a day of usage through the plan's
    provider (not seat rows). Three aggregate statements whatever the number of seats.
    """
    where: list[ColumnElement[bool]] = [Seat.held_since <= today, or_(Seat.ended_on.is_(None), Seat.ended_on >= today)]
    if people is not None:
        where.append(among(Seat.person_id, people))
    seats = session.execute(
        select(Seat, Person.email, Person.name, Person.slack_user_id)
        .join(Person, Person.id == Seat.person_id)
        .where(*where)
    ).all()
    if not seats:
        return []
    holders = select(Seat.person_id).where(*where)
    since = today - timedelta(days=ACTIVITY_LOOKBACK_DAYS)
    coding = {
        (pid, provider): day
        for pid, provider, day in session.execute(
            select(CodeActivityDaily.person_id, CodeActivityDaily.provider, func.max(CodeActivityDaily.day))
            .where(CodeActivityDaily.person_id.in_(holders), CodeActivityDaily.day >= since)
            .group_by(CodeActivityDaily.person_id, CodeActivityDaily.provider)
        )
    }
    used = {
        (pid, provider): day
        for pid, provider, day in session.execute(
            select(UsageDaily.person_id, UsageDaily.provider, func.max(UsageDaily.day))
            .where(
                UsageDaily.person_id.in_(holders),
                UsageDaily.day >= since,
                UsageDaily.cost_source != SEAT_COST_SOURCE,
            )
            .group_by(UsageDaily.person_id, UsageDaily.provider)
        )
    }
    views = []
    for seat, email, name, slack_user_id in seats:
        plan = prices.plan(seat.plan)
        provider = plan.provider if plan else None
        candidates = [seat.last_active_day, coding.get((seat.person_id, seat.tool))]
        if provider is not None:
            candidates.append(used.get((seat.person_id, provider)))
        known = [d for d in candidates if d is not None]
        last_active = max(known) if known else None
        state = SeatState(seat.held_since, last_active, observable=seat.plan in prices.observable)
        views.append(
            SeatView(
                person_id=seat.person_id,
                email=email,
                name=name,
                slack_user_id=slack_user_id,
                tool=seat.tool,
                plan=seat.plan,
                plan_label=plan.label if plan else seat.plan,
                monthly_usd=plan.monthly_usd if plan else None,
                held_since=seat.held_since,
                last_active_day=last_active,
                idle=is_idle(state, today, idle_days),
            )
        )
    views.sort(key=lambda v: (v.email or "", v.tool))
    return views


def idle_seats(
    session: Session,
    prices: SeatPrices,
    *,
    today: date,
    idle_days: int,
    people: Collection[int] | Select[Any] | None = None,
) -> list[SeatView]:
    return [v for v in seat_views(session, prices, today=today, idle_days=idle_days, people=people) if v.idle]


def seat_cost_by_week(
    session: Session, weeks: Sequence[IsoWeek], person_ids: Collection[int]
) -> dict[IsoWeek, dict[int, Decimal]]:
    """Seat cost of `person_ids` in each of `weeks`, in one statement (one round trip for `/buildboard me`'s two
    weeks, App Home's five)."""
    found: dict[IsoWeek, dict[int, Decimal]] = {week: {} for week in weeks}
    statement = _seat_cost_by_week_statement(tuple(sorted(found)))
    for week_start, pid, total in session.execute(statement, {PEOPLE.name: sorted(set(person_ids))}):
        week = IsoWeek.containing(week_start)
        if week in found:  # not a week between two asked for
            found[week][pid] = Decimal(total or 0)
    return found


@lru_cache(maxsize=16)
def _seat_cost_by_week_statement(weeks: tuple[IsoWeek, ...]) -> AnySelect:
    """seat_cost_by_week's statement, built once per weeks; the people bound as PEOPLE when it runs."""
    week_start = week_start_of(UsageDaily.day)
    return (
        select(week_start, UsageDaily.person_id, func.sum(UsageDaily.cost_usd))
        .where(
            UsageDaily.day >= weeks[0].start,
            UsageDaily.day <= weeks[-1].end,
            UsageDaily.cost_source == SEAT_COST_SOURCE,
            *of_members(UsageDaily.person_id, PEOPLE),
        )
        .group_by(week_start, UsageDaily.person_id)
    )


def seat_cost_total(
    session: Session, first_day: date, last_day: date, person_ids: Collection[int] | Select[Any] | None = None
) -> Decimal:
    query = select(func.coalesce(func.sum(UsageDaily.cost_usd), 0)).where(
        UsageDaily.day >= first_day, UsageDaily.day <= last_day, UsageDaily.cost_source == SEAT_COST_SOURCE
    )
    if person_ids is not None:
        query = query.where(among(UsageDaily.person_id, person_ids))
    return Decimal(session.scalar(query) or 0)


def plans_without_price(session: Session, prices: SeatPrices) -> list[str]:
    """Plans somebody holds a seat of that the seats file has no monthly price for."""
    held = session.scalars(select(Seat.plan).where(Seat.ended_on.is_(None)).distinct())
    return sorted(p for p in held if (prices.plan(p) is None or prices.plan(p).monthly_usd is None))  # type: ignore[union-attr]


# ------------------------------------------------------------------ the idle-seat DM


def idle_seat_key(person_id: int, today: date) -> str:
    """One idle-seat DM per person and month, whatever the number of idle seats or of runs."""
    return f"idle_seat:{person_id}:{month_key(today)}"


def idle_seat_intents(session: Session, prices: SeatPrices, *, today: date, idle_days: int) -> list[MessageIntent]:
    """A friendly DM to each person with an idle seat, once a month: never to someone who turned DMs off or left."""
    by_person: dict[int, list[SeatView]] = {}
    for view in idle_seats(session, prices, today=today, idle_days=idle_days):
        by_person.setdefault(view.person_id, []).append(view)
    if not by_person:
        return []
    people = session.execute(
        select(Person.id, Person.slack_user_id).where(
            in_values(Person.id, sorted(by_person)),
            Person.in_org.is_(True),
            Person.active.is_(True),
            Person.nudges_enabled.is_(True),
            Person.forgotten_at.is_(None),
        )
    ).all()
    intents = []
    for person_id, slack_user_id in people:
        seats = [
            {
                "tool": v.tool,
                "plan": v.plan_label,
                "monthly_usd": str(v.monthly_usd) if v.monthly_usd is not None else None,
                "last_active_day": v.last_active_day.isoformat() if v.last_active_day else None,
            }
            for v in by_person[person_id]
        ]
        intents.append(
            MessageIntent(
                idle_seat_key(person_id, today),
                MessageKind.IDLE_SEAT,
                dm_channel(slack_user_id, person_id),
                {"person_id": person_id, "month": month_key(today), "idle_days": idle_days, "seats": seats},
                person_id=person_id,
            )
        )
    return intents


def queue_idle_seat_dms(session: Session, prices: SeatPrices, *, today: date, idle_days: int, now: datetime) -> int:
    """Queue this month's idle-seat DMs through the outbox; returns how many were newly queued."""
    return sum(
        1
        for intent in idle_seat_intents(session, prices, today=today, idle_days=idle_days)
        if outbox.queue(session, intent, now).created
    )


def still_wants_dms(session: Session, person_id: int) -> bool:
    """At send time: the person is still here and has not turned DMs off since the DM was queued."""
    person = session.get(Person, person_id)
    return bool(person and person.in_org and person.active and person.nudges_enabled and person.forgotten_at is None)


@dataclass
class SeatUpkeep:
    charged: SeatCharge
    dms_queued: int = 0

    def summary(self) -> str:
        unpriced = (
            f"; no price for {', '.join(sorted(self.charged.unpriced_plans))}" if self.charged.unpriced_plans else ""
        )
        return f"seats: {self.charged.rows} seat-days charged{unpriced}; {self.dms_queued} idle-seat DMs queued"


def seat_upkeep(
    session: Session, prices: SeatPrices, *, since: date, until: date, now: datetime, idle_days: int, idle_dm: bool
) -> SeatUpkeep:
    """The daily job's part for seats: charge the recent days, and (if BUILDBOARD_IDLE_SEAT_DM) queue idle-seat DMs."""
    upkeep = SeatUpkeep(charge_seat_costs(session, since, until, prices, now=now))
    if idle_dm:
        upkeep.dms_queued = queue_idle_seat_dms(session, prices, today=until, idle_days=idle_days, now=now)
    return upkeep
