"""Weekly numbers, aggregated in the database (one GROUP BY per question, never a loop over rows)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, Integer, Subquery, and_, case, func, literal, select, union_all
from sqlalchemy.orm import Session

from bot.db.models import AnonymousUsageDaily, Person, UsageDaily, UsageWeekly, UsageWeeklyTotal
from bot.db.output import person_output
from bot.db.output_weekly import counted_output, counted_output_by_week, output_kept
from bot.db.query_types import WORK_UNITS, AnySelect
from bot.db.value_sets import PEOPLE, PeopleParameter, in_values, in_weeks, of_members
from bot.domain.claims import DEFAULT_CLAIM_RULES
from bot.domain.periods import IsoWeek
from bot.domain.stats import OrgWeek, PersonWeek

DEFAULT_CAP = DEFAULT_CLAIM_RULES.max_counted_artifacts


People = Collection[int] | PeopleParameter | None


def _in_week(week: IsoWeek, person_ids: People, *, column: Any, week_column: Any) -> list[ColumnElement[bool]]:
    return [week_column == week.start, *of_members(column, person_ids)]


def _output_by_person(week: IsoWeek, person_ids: People, cap: int, kept: bool) -> AnySelect:
    return counted_output([week.start], person_ids, cap=cap, kept=kept)


def output_weeks(session: Session, week: IsoWeek, *, cap: int = DEFAULT_CAP) -> dict[int, PersonWeek]:
    """The people with counted output in the week (work units above 0), by id, with their usage.

    All that the public surfaces of a week need (the board, the titles, who is named): anyone else can neither
    be ranked nor hold a title. About one person in eight, so an 85,000-person digest reads a tenth of the rows.
    """
    rows = session.execute(select(ranked_weeks_subquery(week, cap=cap, kept=output_kept(session, cap))))
    return {figures.person_id: figures for figures in map(person_week_from_row, rows)}


def active_people(session: Session, week: IsoWeek) -> int:
    """How many people used AI in the week (a rollup row with tokens)."""
    in_week = UsageWeekly.week_start == week.start
    return int(session.scalar(select(func.count()).where(in_week, UsageWeekly.tokens > 0)) or 0)


def person_weeks_subquery(
    week: IsoWeek, person_ids: People = None, *, cap: int = DEFAULT_CAP, kept: bool = False
) -> Subquery:
    """The week's numbers per person as a subquery: person_id, tokens, spend_usd, active_days, artifacts, work_units.

    `artifacts` and `work_units` are the counted ones (bot/db/output.py: at most `cap` artifacts a
    person-week, plus evidence and endorsements). People with usage (the week's rows of the
    usage_weekly rollup, their output joined), then people with output but no usage: two
    index-bounded reads, no union-and-deduplicate pass. `kept`: the output is read from output_weekly.
    """
    made = _output_by_person(week, person_ids, cap, kept).subquery("made")
    in_week = _in_week(week, person_ids, column=UsageWeekly.person_id, week_column=UsageWeekly.week_start)
    with_usage = (
        select(
            UsageWeekly.person_id.label("person_id"),
            UsageWeekly.tokens.label("tokens"),
            UsageWeekly.cost_usd.label("spend_usd"),
            UsageWeekly.active_days.label("active_days"),
            func.coalesce(made.c.artifacts, 0).label("artifacts"),
            func.coalesce(made.c.work_units, 0).label("work_units"),
        )
        .outerjoin(made, made.c.person_id == UsageWeekly.person_id)
        .where(*in_week)
    )
    used = select(UsageWeekly.person_id).where(UsageWeekly.person_id == made.c.person_id, *in_week)
    only_made = select(
        made.c.person_id,
        literal(0, UsageWeekly.tokens.type),
        literal(Decimal(0), UsageWeekly.cost_usd.type),
        literal(0, UsageWeekly.active_days.type),
        made.c.artifacts,
        made.c.work_units,
    ).where(~used.exists())
    return union_all(with_usage, only_made).subquery()


def ranked_weeks_subquery(week: IsoWeek, *, cap: int = DEFAULT_CAP, kept: bool = False) -> Subquery:
    """The week's ranked people (counted work units > 0), with the columns of `person_weeks_subquery`.

    Only people with counted output are ranked (like the public board): a position is counted among
    them, a read of the week's output (about one person in eight) with their usage joined, not of
    everyone's week.
    """
    made = _output_by_person(week, None, cap, kept).subquery("made")
    return (
        select(
            made.c.person_id,
            func.coalesce(UsageWeekly.tokens, 0).label("tokens"),
            func.coalesce(UsageWeekly.cost_usd, 0).label("spend_usd"),
            func.coalesce(UsageWeekly.active_days, 0).label("active_days"),
            made.c.artifacts,
            made.c.work_units,
        )
        .outerjoin(UsageWeekly, and_(UsageWeekly.person_id == made.c.person_id, UsageWeekly.week_start == week.start))
        .where(made.c.work_units > 0)
        .subquery("ranked")
    )


def person_week_from_row(row: Sequence[Any]) -> PersonWeek:
    pid, tokens, spend, days, artifacts, units = row
    return PersonWeek(pid, int(tokens), Decimal(spend), int(days), int(artifacts), Decimal(units))


def person_weeks(
    session: Session, week: IsoWeek, person_ids: Collection[int] | None = None, *, cap: int = DEFAULT_CAP
) -> dict[int, PersonWeek]:
    """Every person with usage or artifacts in the week (optionally only `person_ids`), by id (counted output)."""
    if person_ids is None:
        rows = session.execute(select(person_weeks_subquery(week, None, cap=cap, kept=output_kept(session, cap))))
        # The columns already arrive as int, Decimal, int, int, Decimal (typed sums and coalesces): the
        # conversions person_week_from_row makes would cost a third of this at 85,000 people.
        return {row[0]: PersonWeek(*row) for row in rows}
    return people_weeks(session, [week], person_ids, cap=cap)[week]


def people_weeks(
    session: Session, weeks: Sequence[IsoWeek], person_ids: Collection[int], *, cap: int = DEFAULT_CAP
) -> dict[IsoWeek, dict[int, PersonWeek]]:
    """person_weeks of `person_ids` for each of `weeks`, in one statement (one round trip for `/buildboard me`'s
    two weeks)."""
    wanted = tuple(weeks)
    found: dict[IsoWeek, dict[int, PersonWeek]] = {week: {} for week in wanted}
    statement = _person_weeks_statement(wanted, cap, output_kept(session, cap))
    rows = session.execute(statement, {PEOPLE.name: sorted(set(person_ids))})
    for index, *row in rows:
        found[wanted[index]][row[0]] = PersonWeek(*row)
    return found


@lru_cache(maxsize=16)
def _person_weeks_statement(weeks: tuple[IsoWeek, ...], cap: int, kept: bool) -> AnySelect | CompoundSelect[Any]:
    """people_weeks' statement for the people bound as PEOPLE when it runs, built once per weeks and cap: each
    week's rows after the week's index in `weeks`.

    Building it (the counted output's terms, the two reads) was half of a `/buildboard me` answer, whose every
    caller asks for the same two weeks (py-spy, 85,000 people).
    """
    parts = []
    for index, week in enumerate(weeks):
        figures = person_weeks_subquery(week, PEOPLE, cap=cap, kept=kept)
        parts.append(select(literal(index, Integer).label("week_index"), *figures.c))
    return parts[0] if len(parts) == 1 else union_all(*parts)


def person_period_figures(
    weeks: Sequence[IsoWeek],
    members: AnySelect | Collection[int] | None = None,
    *,
    dialect: str,
    cap: int = DEFAULT_CAP,
) -> AnySelect:
    """Each person's figures per week of `weeks`, for the person-weeks with usage or artifacts.

    Columns: person_id, week_start, tokens, spend_usd, active_days, artifacts, work_units (counted, see
    bot/db/output.py), shared_artifacts (every artifact shared, counted or not), used (1: a usage row). The one
    per-person aggregate behind team stats, the team export and App Home, so their numbers agree.
    `members` narrows it to a subquery or a list of person ids; None is everyone. `dialect` is the database's
    (the statement differs: see below).
    """
    starts = [week.start for week in weeks]
    in_period = (in_weeks(UsageWeekly.week_start, starts), *of_members(UsageWeekly.person_id, members))
    made = person_output(starts, members, cap=cap).subquery("made_p")
    if dialect == "postgresql":
        # Each part has one row per person-week: a FULL JOIN puts them side by side. Summing a UNION ALL per
        # person-week (below) sorted and summed every row of the period: for the 12 weeks of a 25,000-person
        # group and the 12 before them, the team report's statement took 880 ms instead of 510 ms.
        used = select(UsageWeekly).where(*in_period).subquery("used_p")
        return select(
            func.coalesce(used.c.person_id, made.c.person_id).label("person_id"),
            func.coalesce(used.c.week_start, made.c.week_start).label("week_start"),
            func.coalesce(used.c.tokens, 0).label("tokens"),
            func.coalesce(used.c.cost_usd, literal(Decimal(0), UsageWeekly.cost_usd.type)).label("spend_usd"),
            func.coalesce(used.c.active_days, 0).label("active_days"),
            func.coalesce(made.c.artifacts, 0).label("artifacts"),
            func.coalesce(made.c.work_units, literal(Decimal(0), WORK_UNITS)).label("work_units"),
            func.coalesce(made.c.shared_artifacts, 0).label("shared_artifacts"),
            case((used.c.person_id.is_not(None), 1), else_=0).label("used"),  # 1: a usage row
        ).select_from(
            used.join(
                made, and_(made.c.person_id == used.c.person_id, made.c.week_start == used.c.week_start), full=True
            )
        )
    # SQLite, whose FULL JOIN came in 3.39 (later than many systems' own SQLite): usage rows and output rows
    # one after the other, summed per key. Each part appears once in the SQL (a union of the keys joined back
    # to both parts wrote each twice, and PostgreSQL spent longer planning than running it).
    none = literal(0, Integer)
    both = union_all(
        select(
            UsageWeekly.person_id.label("person_id"),
            UsageWeekly.week_start.label("week_start"),
            UsageWeekly.tokens.label("tokens"),
            UsageWeekly.cost_usd.label("spend_usd"),
            UsageWeekly.active_days.label("active_days"),
            none.label("artifacts"),
            literal(Decimal(0), WORK_UNITS).label("work_units"),
            none.label("shared_artifacts"),
            literal(1, Integer).label("used"),
        ).where(*in_period),
        select(
            made.c.person_id,
            made.c.week_start,
            literal(0, UsageWeekly.tokens.type),
            literal(Decimal(0), UsageWeekly.cost_usd.type),
            none,
            made.c.artifacts,
            made.c.work_units,
            made.c.shared_artifacts,
            none,
        ),
    ).subquery("person_figures")
    keys = [both.c.person_id, both.c.week_start]
    return select(
        *keys,
        func.sum(both.c.tokens).label("tokens"),
        func.sum(both.c.spend_usd).label("spend_usd"),
        func.sum(both.c.active_days).label("active_days"),
        func.sum(both.c.artifacts).label("artifacts"),
        func.sum(both.c.work_units).label("work_units"),
        func.sum(both.c.shared_artifacts).label("shared_artifacts"),
        func.max(both.c.used).label("used"),  # 1: a usage row
    ).group_by(*keys)


def org_week(session: Session, week: IsoWeek, *, cap: int = DEFAULT_CAP) -> OrgWeek:
    """Organisation totals, including usage already folded into anonymous totals."""
    return org_weeks(session, [week], cap=cap)[week.start]


def org_weeks(
    session: Session,
    weeks: Sequence[IsoWeek],
    *,
    cap: int = DEFAULT_CAP,
    ratio_weeks: Collection[IsoWeek] | None = None,
) -> dict[date, OrgWeek]:
    """Organisation totals of each of `weeks` (by week start), in a few statements whatever their number.

    The digest asks for this week, the week before and the chart's eight: one pass over each table for all of
    them. Who had output and what they spent (the evidence ratio) is counted per person-week, so only for
    `ratio_weeks` (None: all of `weeks`); the other weeks leave those figures 0.
    """
    starts = [week.start for week in weeks]
    asked = set(starts)
    usage = {
        start: (int(tokens), Decimal(spend), int(active))
        for start, tokens, spend, active in session.execute(
            select(
                UsageWeeklyTotal.week_start,
                UsageWeeklyTotal.tokens,
                UsageWeeklyTotal.cost_usd,
                UsageWeeklyTotal.active_people,  # one rollup row per active person
            ).where(UsageWeeklyTotal.week_start.in_(starts))
        )
    }
    folded: dict[date, tuple[int, Decimal, int]] = {}
    first, last = min(starts), max(starts) + timedelta(days=6)
    # Usage folded by retention is kept per day · provider · model, without people.
    for day, tokens, spend, people in session.execute(
        select(
            AnonymousUsageDaily.day,
            func.sum(AnonymousUsageDaily.input_tokens + AnonymousUsageDaily.output_tokens),
            func.sum(AnonymousUsageDaily.cost_usd),
            func.max(AnonymousUsageDaily.people),
        )
        .where(AnonymousUsageDaily.day.between(first, last))
        .group_by(AnonymousUsageDaily.day)
    ):
        start = IsoWeek.containing(day).start
        if start in asked:
            before = folded.get(start, (0, Decimal(0), 0))
            folded[start] = (before[0] + int(tokens or 0), before[1] + Decimal(spend or 0), max(before[2], people or 0))
    kept = output_kept(session, cap)
    made = counted_output_by_week(starts, cap=cap, kept=kept).subquery("made")
    output = {
        row[0]: row[1:]
        for row in session.execute(
            select(
                made.c.week_start, made.c.shared_artifacts, made.c.artifacts, made.c.work_units, made.c.evidence_units
            )
        )
    }
    ratio_starts = starts if ratio_weeks is None else [week.start for week in ratio_weeks]
    builders = _builders_by_week(session, ratio_starts, cap, kept) if ratio_starts else {}
    totals = {}
    for start in starts:
        tokens, spend, active = usage.get(start, (0, Decimal(0), 0))
        anon_tokens, anon_spend, anon_people = folded.get(start, (0, Decimal(0), 0))
        shared, counted, units, verified = output.get(start, (0, 0, 0, 0))
        with_output, output_spend, verified_spend = builders.get(start, (0, 0, 0))
        totals[start] = OrgWeek(
            tokens=tokens + anon_tokens,
            spend_usd=spend + anon_spend,
            # Folded days keep only per day · provider · model counts, so who of them is also among the kept days'
            # people is unknown: adding the two would count such a person twice (a partly folded week would grow).
            # The larger of the two is a lower bound of the true number, exact when nothing is folded or when
            # everyone of the folded days also used AI on a kept day.
            active_people=max(active, anon_people),
            artifacts=int(shared or 0),
            work_units=Decimal(units or 0),
            people_with_artifacts_spend_usd=Decimal(output_spend or 0),
            people_with_output=int(with_output or 0),
            verified_spend_usd=Decimal(verified_spend or 0),
            counted_artifacts=int(counted or 0),
            verified_work_units=Decimal(verified or 0),
        )
    return totals


def _builders_by_week(session: Session, starts: Sequence[date], cap: int, kept: bool) -> dict[date, tuple[Any, ...]]:
    """Week start → (people with counted output, their spend, the spend of people with verified evidence)."""
    output = counted_output(starts, cap=cap, kept=kept).subquery("output")
    with_output = output.c.work_units > 0
    return {
        row[0]: row[1:]
        for row in session.execute(
            select(
                output.c.week_start,
                func.sum(case((with_output, 1), else_=0)),
                func.sum(case((with_output, UsageWeekly.cost_usd), else_=0)),
                func.sum(case((output.c.evidence_units > 0, UsageWeekly.cost_usd), else_=0)),
            )
            .select_from(output)
            .outerjoin(
                UsageWeekly,
                and_(UsageWeekly.person_id == output.c.person_id, UsageWeekly.week_start == output.c.week_start),
            )
            .group_by(output.c.week_start)
        )
    }


def people_by_id(session: Session, person_ids: Collection[int]) -> dict[int, Person]:
    if not person_ids:
        return {}
    return {p.id: p for p in session.scalars(select(Person).where(in_values(Person.id, list(person_ids))))}


def has_usage(session: Session, week: IsoWeek) -> bool:
    return (
        session.scalar(select(literal(1)).where(UsageDaily.day >= week.start, UsageDaily.day <= week.end).limit(1))
        is not None
    )
