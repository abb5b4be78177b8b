"""Flags for the people a manager may see: a few SQL aggregates over the trailing weeks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import Artifact, Nudge, UsageWeekly
from bot.db.query_types import AnySelect
from bot.db.value_sets import among
from bot.domain.flags import SPIKE_TRAILING_WEEKS, Flag, WeekEvidence, flags_for, idle_seat, may_flag
from bot.domain.periods import IsoWeek, weeks_ending
from bot.ingest.seat_prices import SeatPrices
from bot.services.seats import idle_seats
from bot.settings import Settings


def flag_window(week: IsoWeek, settings: Settings) -> list[IsoWeek]:
    """The weeks the flags on `week` look at, oldest first, ending with `week`."""
    return weeks_ending(week, max(settings.unexplained_weeks, SPIKE_TRAILING_WEEKS + 1))


def evidence_statements(people: Collection[int] | AnySelect, starts: Sequence[date]) -> tuple[Any, Any, Any]:
    """The three reads behind the flags of `people` over the weeks starting on `starts`: spend per person-week,
    artifacts per person-week, and the weeks answered "nothing to show yet"."""
    spend = select(UsageWeekly.person_id, UsageWeekly.week_start, UsageWeekly.cost_usd).where(
        among(UsageWeekly.person_id, people), UsageWeekly.week_start.in_(starts)
    )
    artifacts = (
        select(Artifact.person_id, Artifact.week_start, func.count())
        .where(among(Artifact.person_id, people), Artifact.week_start.in_(starts))
        .group_by(Artifact.person_id, Artifact.week_start)
    )
    reasons = select(Nudge.person_id, Nudge.week_start).where(
        among(Nudge.person_id, people), Nudge.week_start.in_(starts), Nudge.status == "nothing_to_show"
    )
    return spend, artifacts, reasons


def flags_from_evidence(
    session: Session,
    statements: tuple[Any, Any, Any],
    window: list[IsoWeek],
    settings: Settings,
    parameters: Mapping[str, Any] | None = None,
) -> dict[int, list[Flag]]:
    """Unexplained-spend and spike flags on the last week of `window`, from evidence_statements' three reads
    (run with `parameters`: a statement built once for a kind of group takes the group's)."""
    spend_read, artifacts_read, reasons_read = statements
    index = {w.start: i for i, w in enumerate(window)}
    spend: dict[int, dict[int, Decimal]] = defaultdict(dict)
    artifacts: dict[int, dict[int, int]] = defaultdict(dict)
    reasons: dict[int, set[int]] = defaultdict(set)
    for person_id, week_start, total in session.execute(spend_read, parameters):
        spend[person_id][index[week_start]] = Decimal(total or 0)
    for person_id, week_start, count in session.execute(artifacts_read, parameters):
        artifacts[person_id][index[week_start]] = int(count)
    for person_id, week_start in session.execute(reasons_read, parameters):
        reasons[person_id].add(index[week_start])
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

    `people` is a list of ids (sent as one parameter) or a SELECT of ids: three statements
    whatever their number.
    """
    window = flag_window(week, settings)
    found = flags_from_evidence(session, evidence_statements(people, [w.start for w in window]), window, settings)
    if not idle_seat_flags:  # a team report lists its idle seats with their cost instead
        return found
    # Seats unused for BUILDBOARD_IDLE_SEAT_DAYS, judged on the week's last day.
    prices = SeatPrices.load(settings.seats_file)
    for seat in idle_seats(session, prices, today=week.end, idle_days=settings.idle_seat_days, people=people):
        found.setdefault(seat.person_id, []).append(
            idle_seat(week, seat.plan_label, seat.monthly_usd, seat.last_active_day, settings.idle_seat_days)
        )
    return found
