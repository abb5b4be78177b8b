"""Flags for the people a manager may see: a few SQL aggregates over the trailing weeks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from bot.db.models import Artifact, Nudge, UsageWeekly
from bot.db.query_types import AnySelect
from bot.db.value_sets import PEOPLE, PeopleParameter, among, in_weeks
from bot.domain.flags import (
    SPIKE_FACTOR,
    SPIKE_TRAILING_WEEKS,
    Flag,
    WeekEvidence,
    flags_for,
    idle_seat,
    may_flag,
)
from bot.domain.periods import IsoWeek, weeks_ending
from bot.ingest.seat_prices import SeatPrices
from bot.services.seats import idle_seats
from bot.settings import Settings


def flag_window(week: IsoWeek, settings: Settings) -> list[IsoWeek]:
    """The weeks the flags on `week` look at, oldest first, ending with `week`."""
    return weeks_ending(week, max(settings.unexplained_weeks, SPIKE_TRAILING_WEEKS + 1))


# What a row of evidence_statement is about (its first column).
SPEND, ARTIFACTS, NOTHING_TO_SHOW, CHECK = 1, 2, 3, 4
EvidenceRead = CompoundSelect[*tuple[Any, ...]]  # evidence_statement's rows


def evidence_statement(
    people: Collection[int] | AnySelect | PeopleParameter,
    starts: Sequence[date],
    check: ColumnElement[bool] | None = None,
) -> EvidenceRead:
    """The read behind the flags of `people` over the weeks starting on `starts`, as rows (what, person_id,
    week_start, value): SPEND a person-week's spend, ARTIFACTS how many artifacts they shared that week,
    NOTHING_TO_SHOW a week they answered "nothing to show yet"; with `check`, one CHECK row whose value is 1 when
    it holds as the statement reads the tables (`people` read from something that may be replaced meanwhile).

    One statement, not one per kind of evidence: a small team's report is a dozen short statements, and on a
    busy server each round trip to the database waits for the interpreter again when it comes back.
    """
    amount = UsageWeekly.cost_usd.type
    spend = select(literal(SPEND), UsageWeekly.person_id, UsageWeekly.week_start, UsageWeekly.cost_usd).where(
        among(UsageWeekly.person_id, people), in_weeks(UsageWeekly.week_start, starts)
    )
    artifacts = (
        select(literal(ARTIFACTS), Artifact.person_id, Artifact.week_start, cast(func.count(), amount))
        .where(among(Artifact.person_id, people), in_weeks(Artifact.week_start, starts))
        .group_by(Artifact.person_id, Artifact.week_start)
    )
    reasons = select(literal(NOTHING_TO_SHOW), Nudge.person_id, Nudge.week_start, literal(Decimal(0), amount)).where(
        among(Nudge.person_id, people), in_weeks(Nudge.week_start, starts), Nudge.status == "nothing_to_show"
    )
    if check is None:
        return union_all(spend, artifacts, reasons)
    checked = select(literal(CHECK), literal(0), literal(starts[-1]), cast(case((check, 1), else_=0), amount))
    return union_all(spend, artifacts, reasons, checked)


# How far flag_candidates' spike test leans towards keeping a person: SQLite sums money as floating point, whose
# rounding must never drop someone the rules (exact, in Decimal) would flag.
ROUNDING_ALLOWANCE = Decimal("0.000001")


def flag_candidates(
    people: AnySelect, window: Sequence[IsoWeek], *, threshold_usd: Decimal, unexplained_weeks: int
) -> AnySelect:
    """The ids of those of `people` whose spend in `window` might earn a flag on its last week: every person
    flags_for would flag, and a few more. A large group's report then reads the weeks of these people only (in a
    group of 25,000 people about 1,300, not 21,000 who used AI), and the rules in bot.domain.flags decide.

    One row per person, from aggregates over the window's usage_weekly rows (a missing week is $0, as the rules
    count it):
    - unexplained spend needs at least the threshold in each of the last `unexplained_weeks` weeks (whether an
      artifact or a reason explains them is left to the rules);
    - a spike needs the last week's spend above SPIKE_FACTOR × the median of the SPIKE_TRAILING_WEEKS weeks before,
      and that median above $0. The median of four is (sum − largest − smallest) / 2, which plain aggregates give.
    """
    cost, week_start = UsageWeekly.cost_usd, UsageWeekly.week_start
    last = window[-1].start
    trailing = window[-1 - SPIKE_TRAILING_WEEKS : -1]
    if len(trailing) != SPIKE_TRAILING_WEEKS or SPIKE_TRAILING_WEEKS != 4:
        raise ValueError("flag_candidates' median is that of four trailing weeks")
    trailing_cost = case((and_(week_start >= trailing[0].start, week_start < last), cost))  # NULL outside them
    recent = window[-unexplained_weeks].start
    at_threshold = case((and_(week_start >= recent, cost >= literal(threshold_usd, cost.type)), 1))
    weeks = (
        select(
            UsageWeekly.person_id,
            func.coalesce(func.sum(case((week_start == last, cost))), 0).label("last_spend"),
            func.coalesce(func.sum(trailing_cost), 0).label("trailing_sum"),
            func.count(trailing_cost).label("trailing_weeks"),
            func.coalesce(func.max(trailing_cost), 0).label("largest"),
            func.coalesce(func.min(trailing_cost), 0).label("smallest"),
            func.count(at_threshold).label("weeks_at_threshold"),
        )
        .where(among(UsageWeekly.person_id, people), in_weeks(week_start, [w.start for w in window]))
        .group_by(UsageWeekly.person_id)
        .subquery("spend_weeks")
    )
    weeks_missing = weeks.c.trailing_weeks < SPIKE_TRAILING_WEEKS  # each one a week of $0
    largest = case((and_(weeks_missing, weeks.c.largest < 0), 0), else_=weeks.c.largest)
    smallest = case((and_(weeks_missing, weeks.c.smallest > 0), 0), else_=weeks.c.smallest)
    twice_median = weeks.c.trailing_sum - largest - smallest
    factor = literal(SPIKE_FACTOR * (1 - ROUNDING_ALLOWANCE), cost.type)
    may_spike = and_(twice_median > 0, weeks.c.last_spend * 2 > twice_median * factor)
    # At a threshold of $0 every week is at it, a missing one too.
    may_be_unexplained = weeks.c.weeks_at_threshold == unexplained_weeks if threshold_usd > 0 else true()
    return select(weeks.c.person_id).where(or_(may_be_unexplained, may_spike))


@lru_cache(maxsize=16)
def _evidence_of_people(starts: tuple[date, ...]) -> EvidenceRead:
    """evidence_statement for the people bound as PEOPLE when it runs, built once per window of weeks
    (`/buildboard me` asks about the same weeks for every caller)."""
    return evidence_statement(PEOPLE, starts)


def flags_from_evidence(
    session: Session,
    statement: EvidenceRead,
    window: list[IsoWeek],
    settings: Settings,
    parameters: Mapping[str, Any] | None = None,
) -> dict[int, list[Flag]] | None:
    """Unexplained-spend and spike flags on the last week of `window`, from evidence_statement's rows (run with
    `parameters`: a statement built once for a kind of group takes the group's). None: the statement's check
    did not hold (read again without what it checked)."""
    index = {w.start: i for i, w in enumerate(window)}
    spend: dict[int, dict[int, Decimal]] = defaultdict(dict)
    artifacts: dict[int, dict[int, int]] = defaultdict(dict)
    reasons: dict[int, set[int]] = defaultdict(set)
    for what, person_id, week_start, value in session.execute(statement, parameters):
        week = index[week_start]
        if what == SPEND:
            spend[person_id][week] = Decimal(value or 0)
        elif what == ARTIFACTS:
            artifacts[person_id][week] = int(value)
        elif what == NOTHING_TO_SHOW:
            reasons[person_id].add(week)
        elif not value:  # CHECK
            return None
    threshold = settings.nudge_min_spend_usd
    found: dict[int, list[Flag]] = {}
    last, zero, none = len(window) - 1, Decimal(0), frozenset[int]()
    for person_id, spent in spend.items():  # no spend in the window, no flag
        if not may_flag(spent.get(last, zero), threshold_usd=threshold):
            continue
        made, answered = artifacts.get(person_id, {}), reasons.get(person_id, none)
        evidence = [WeekEvidence(w, spent.get(i, zero), made.get(i, 0), i in answered) for i, w in enumerate(window)]
        flags = flags_for(evidence, threshold_usd=threshold, unexplained_weeks=settings.unexplained_weeks)
        if flags:
            found[person_id] = flags
    return found


def flags_for_people(
    session: Session,
    people: Collection[int] | AnySelect,
    week: IsoWeek,
    settings: Settings,
    *,
    idle_seat_flags: bool = True,
) -> dict[int, list[Flag]]:
    """Unexplained-spend, spike and idle-seat flags on `week` for each person (only people with a flag are in
    the answer). Never public: managers, admins and the person only.

    `people` is a list of ids (sent as one parameter) or a SELECT of ids: one statement for the spend, artifacts
    and answers whatever their number, then the idle seats.
    """
    window = flag_window(week, settings)
    starts = tuple(w.start for w in window)
    if isinstance(people, Select):
        found = flags_from_evidence(session, evidence_statement(people, starts), window, settings)
    else:
        people_read = _evidence_of_people(starts)
        found = flags_from_evidence(session, people_read, window, settings, {PEOPLE.name: sorted(set(people))})
    assert found is not None  # (a statement without a check always holds)
    if not idle_seat_flags:  # a team report lists its idle seats with their cost instead
        return found
    # Seats unused for BUILDBOARD_IDLE_SEAT_DAYS, judged on the week's last day.
    prices = SeatPrices.load(settings.seats_file)
    for seat in idle_seats(session, prices, today=week.end, idle_days=settings.idle_seat_days, people=people):
        found.setdefault(seat.person_id, []).append(
            idle_seat(week, seat.plan_label, seat.monthly_usd, seat.last_active_day, settings.idle_seat_days)
        )
    return found
