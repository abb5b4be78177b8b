"""Counted output per person and week: the one SQL definition of work units (the rules of bot/domain/claims.py).

A person-week's **counted work units** are the sum of three terms:

    work_units = shared_units + evidence_units + endorsement_units

- `shared_units`: the work units of the person-week's first `cap` artifacts in sharing order
  (`created_at`, then id); each artifact's own units are already bounded by its evidence when stored
  (no link → 0.5, see bot.domain.workunits.work_units_for);
- `evidence_units`: verified evidence: merged, reviewed, AI-assisted pull requests (bot/db/earned_units.py);
- `endorsement_units`: peer endorsements ("I use this"), capped per author and week.

Every surface (digest, leaderboard, titles, App Home, /buildboard me, team stats, exports) reads
`person_output`, or the same terms summed over more than a person-week (`weekly_output`, `output_terms`),
so their numbers agree. To add a term, return its SELECT from `extra_output_terms` with the columns of
`TERM_COLUMNS` (0 where it has nothing to say): it is added per person-week.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Integer, Subquery, and_, case, cast, func, literal, select, union_all

from bot.db.earned_units import endorsement_units, verified_pr_units
from bot.db.models import Artifact
from bot.db.query_types import WORK_UNITS, AnySelect
from bot.db.value_sets import PeopleParameter, in_weeks, of_members
from bot.domain.periods import IsoWeek

Members = AnySelect | Collection[int] | PeopleParameter | None
# The table's columns, not the mapped class's: these statements are parts of larger ones and are compiled as
# plain SQL. Built from the ORM's attributes, each part also went through the ORM's compile step: person_output
# took 11-12 ms to compile instead of 5-7 ms, once per statement and process (a digest's start-up among them).
ARTIFACTS = Artifact.__table__
TERM_COLUMNS = (
    "person_id",
    "week_start",
    "artifacts",  # counted artifacts (at most `cap` a person-week)
    "shared_artifacts",  # every artifact shared, counted or not
    "shared_units",
    "evidence_units",
    "endorsement_units",
)


def zero_units() -> Any:
    return literal(Decimal(0), WORK_UNITS)


def sharing_position() -> Any:
    """An artifact's position in its person-week, in sharing order (created_at, then id): 1 for the first."""
    return func.row_number().over(
        partition_by=(ARTIFACTS.c.person_id, ARTIFACTS.c.week_start), order_by=(ARTIFACTS.c.created_at, ARTIFACTS.c.id)
    )


def ranked_artifacts(starts: Sequence[date] | None, members: Members = None) -> Subquery:
    """The artifacts of the weeks starting on `starts` (None: every week), each with its position in its person-week.

    Columns: artifact_id, person_id, week_start, work_units, position. An artifact counts when
    position <= the cap (`counted(ranked, cap)`).
    """
    position = sharing_position()
    return (
        select(
            ARTIFACTS.c.id.label("artifact_id"),
            ARTIFACTS.c.person_id.label("person_id"),
            ARTIFACTS.c.week_start.label("week_start"),
            ARTIFACTS.c.work_units.label("work_units"),
            position.label("position"),
        )
        .where(
            *([] if starts is None else [in_weeks(ARTIFACTS.c.week_start, starts)]),
            *of_members(ARTIFACTS.c.person_id, members),
        )
        .subquery("ranked_artifacts")
    )


def counted(ranked: Subquery, cap: int) -> ColumnElement[bool]:
    """Does the artifact count toward work units and rank (bot.domain.claims.is_counted)?"""
    return ranked.c.position <= cap


def shared_term(starts: Sequence[date], members: Members, cap: int) -> AnySelect:
    """The shared-artifacts term per person-week (evidence and endorsements 0).

    A person-week with at most `cap` artifacts counts all of them; only the person-weeks with more are
    ranked (`counted`: the first `cap` in sharing order). Most people share a few things a week, so the
    window's sort runs over a few rows, not every artifact of the weeks (a third of the time on SQLite).
    """
    shared = (
        select(
            ARTIFACTS.c.person_id.label("person_id"),
            ARTIFACTS.c.week_start.label("week_start"),
            func.count().label("shared"),
            func.sum(ARTIFACTS.c.work_units).label("units"),
        )
        .where(in_weeks(ARTIFACTS.c.week_start, starts), *of_members(ARTIFACTS.c.person_id, members))
        .group_by(ARTIFACTS.c.person_id, ARTIFACTS.c.week_start)
        .cte()  # read twice below: computed once
    )
    over_cap = shared.c.shared > cap
    position = sharing_position()
    ranked = (
        select(ARTIFACTS.c.person_id, ARTIFACTS.c.week_start, ARTIFACTS.c.work_units, position.label("position"))
        .join(shared, and_(shared.c.person_id == ARTIFACTS.c.person_id, shared.c.week_start == ARTIFACTS.c.week_start))
        # The weeks again: the planner cannot know how few person-weeks are over the cap, and without them it
        # may hash every artifact ever shared to find theirs.
        .where(over_cap, in_weeks(ARTIFACTS.c.week_start, starts))
        .subquery("ranked_over_cap")
    )
    capped = (
        select(ranked.c.person_id, ranked.c.week_start, func.sum(ranked.c.work_units).label("units"))
        .where(ranked.c.position <= cap)
        .group_by(ranked.c.person_id, ranked.c.week_start)
        .subquery("capped")
    )
    return select(
        shared.c.person_id,
        shared.c.week_start,
        case((over_cap, cap), else_=shared.c.shared).label("artifacts"),
        shared.c.shared.label("shared_artifacts"),
        func.coalesce(case((over_cap, capped.c.units), else_=shared.c.units), zero_units()).label("shared_units"),
        zero_units().label("evidence_units"),
        zero_units().label("endorsement_units"),
    ).outerjoin(capped, and_(capped.c.person_id == shared.c.person_id, capped.c.week_start == shared.c.week_start))


def extra_output_terms(starts: Sequence[date], members: Members) -> list[AnySelect]:
    """Further terms of counted work units per person-week: verified pull requests and endorsements.

    Each is a SELECT with the columns of TERM_COLUMNS (person_id, week_start, 0 for the artifact
    counts and shared_units, its own units in evidence_units or endorsement_units, already capped
    per person-week; bot/db/earned_units.py), restricted to `starts` and `members`.
    """
    weeks = [IsoWeek.containing(start) for start in starts]
    prs = verified_pr_units(weeks, members).subquery("pr_units")
    endorsed = endorsement_units(weeks, members).subquery("endorsement_units_t")
    none = literal(0, Integer)
    return [
        select(
            prs.c.person_id,
            prs.c.week_start,
            none.label("artifacts"),
            none.label("shared_artifacts"),
            zero_units().label("shared_units"),
            cast(prs.c.work_units, WORK_UNITS).label("evidence_units"),
            zero_units().label("endorsement_units"),
        ),
        select(
            endorsed.c.person_id,
            endorsed.c.week_start,
            none.label("artifacts"),
            none.label("shared_artifacts"),
            zero_units().label("shared_units"),
            zero_units().label("evidence_units"),
            cast(endorsed.c.work_units, WORK_UNITS).label("endorsement_units"),
        ),
    ]


def output_terms(starts: Sequence[date], members: Members = None, *, cap: int) -> Subquery:
    """Every term of counted output, each capped per person-week: rows with the columns of TERM_COLUMNS and
    their work_units (shared + evidence + endorsement units).

    A person-week's work units are the sum of its rows (person_output); any sum over many person-weeks (a week's,
    a team's) is the same sum of these rows, without grouping them per person-week first.
    """
    terms = union_all(shared_term(starts, members, cap), *extra_output_terms(starts, members)).subquery("terms")
    return select(
        *terms.c, (terms.c.shared_units + terms.c.evidence_units + terms.c.endorsement_units).label("work_units")
    ).subquery("output_terms")


def _terms_summed(starts: Sequence[date], members: Members, cap: int, *, per_person: bool) -> AnySelect:
    """The terms added up per person and week (`per_person`) or per week: the columns of TERM_COLUMNS
    (person_id only per person) and their sum, work_units."""
    table = output_terms(starts, members, cap=cap)
    keys = [table.c.person_id, table.c.week_start] if per_person else [table.c.week_start]
    summed = (func.coalesce(func.sum(table.c[name]), 0).label(name) for name in (*TERM_COLUMNS[2:], "work_units"))
    return select(*keys, *summed).group_by(*keys)


def person_output(starts: Sequence[date], members: Members = None, *, cap: int) -> AnySelect:
    """Counted output per person and week.

    Columns: person_id, week_start, artifacts, shared_artifacts, shared_units, evidence_units,
    endorsement_units, work_units. Only person-weeks with something shared or some evidence appear.
    """
    return _terms_summed(starts, members, cap, per_person=True)


def weekly_output(starts: Sequence[date], members: Members = None, *, cap: int) -> AnySelect:
    """Counted output of `members` (None: everyone) per week: person_output's columns but person_id, summed.

    Each term is already capped per person-week, so adding the terms per week gives person_output's totals
    without grouping every person-week of the weeks a second time (40 % of the time for eight weeks).
    """
    return _terms_summed(starts, members, cap, per_person=False)
