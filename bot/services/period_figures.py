"""Each person's sums over a team report's period and the one before it, kept for the usual spans; and the people
whose spend might earn a flag on the last week.

A large group's report (bot/services/team.py) needs every member's sums over 12 weeks and the 12 before: for
the whole organisation that is 940,000 rows of usage_weekly and 133,000 of counted output per ask, and its flags
chose their candidates from 425,000 more (bot/services/flags.flag_candidates). Nightly
(the `team_reports` job), after a write about everyone (the `period_figures` job, within minutes) and with
`buildboard db rebuild-rollup`, those sums are written once per person into period_figures, at the figures
version read before summing (bot/db/figures_version.py). A report then reads one row per person:

- the rows hold while no write about everyone came after that version (`built_version`): then every write
  since was recorded person by person in figures_changes (an artifact shared, an endorsement…);
- the people those writes name are summed from their weeks in the same statement (`member_sums`), the
  others read from the table. A day's shares touch a few thousand people of 85,000.

The flag candidates are chosen from usage alone, so they hold exactly while the sums' build does, for the flag
settings it records. Writes about everyone (a usage sync, the org chart, seats) make the tables unread until they
are built again; reports meanwhile sum every member's weeks and choose the candidates, as before. Each statement
that reads them also checks that the build it was told of is still the one in the table (a build committed in
between replaces every row), and is run again without them if not. Nothing here is ever shown stale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session, aliased, sessionmaker
from sqlalchemy.sql.elements import BindParameter

from bot.db.models import (
    FiguresChange,
    FiguresVersion,
    FlagCandidate,
    PeriodFigures,
    PeriodFiguresBuild,
    Person,
    UsageWeekly,
)
from bot.db.output import Members
from bot.db.output_weekly import counted_output, output_kept
from bot.db.query_types import AnySelect
from bot.db.value_sets import in_weeks, of_members
from bot.domain.command_args import DEFAULT_TEAM_WEEKS
from bot.domain.periods import IsoWeek, weeks_ending
from bot.domain.text import plural
from bot.services.flags import flag_candidates, flag_window
from bot.settings import Settings

# A person's figures over a period (_1) and the one before (_2): 0 without any.
FIGURES: dict[str, Any] = {
    "tokens_1": 0,
    "tokens_2": 0,
    "spend_usd_1": Decimal(0),
    "spend_usd_2": Decimal(0),
    "active_days_1": 0,
    "artifacts_1": 0,
    "artifacts_2": 0,
    "work_units_1": Decimal(0),
    "work_units_2": Decimal(0),
    "evidenced_1": Decimal(0),
    "evidenced_2": Decimal(0),
}
# Counts of weeks, None when there are none: with usage in the period (used_1) and before (used_2), with output
# in the period (made_1). A person with either in the period has a line in the report; used_* counts active people.
MARKS = ("used_1", "used_2", "made_1")
BUILT_VERSION = "period_figures_built_version"  # the bind parameter of the version the tables were built at
# The spans whose figures are kept: `/buildboard team`'s default week, a month, a quarter (what managers ask for,
# and what the nightly job keeps reports of). Other spans are summed from every member's weeks.
KEPT_SPANS = (DEFAULT_TEAM_WEEKS, 4, 12)


def _weeks_of(last_week: IsoWeek, weeks: int) -> tuple[list[date], date]:
    """The week starts of the period ending `last_week` and the one before it, and the period's first day."""
    period = weeks_ending(last_week, weeks)
    before = weeks_ending(last_week.previous(weeks), weeks)
    return [week.start for week in (*before, *period)], period[0].start


def member_sums(starts: list[date], period_start: date, members: Members, *, cap: int, kept: bool) -> AnySelect:
    """One row per person of `members` (None: everyone): the people row left-joined to their usage and their
    counted output summed per period (`FIGURES`, `MARKS`, 0 and None without any), `Person` in its FROM.

    Each person's weeks are summed side by side (the period and the one before in one pass, in the (person,
    week) indexes' order); the evidenced spend is the spend of each week whose counted output has work units,
    joined by the usage rollup's key. `kept`: the counted output is read from output_weekly, else computed.
    """

    def by_part(week_start: Any, value: Any, name: str, parts: tuple[int, ...] = (1, 2)) -> list[Any]:
        """`value` summed over the period (`name`_1) and the one before (`name`_2)."""
        within = {1: week_start >= period_start, 2: week_start < period_start}
        return [func.sum(case((within[part], value))).label(f"{name}_{part}") for part in parts]

    made = counted_output(starts, members, cap=cap, kept=kept).subquery("made")
    usage = UsageWeekly
    spent = aliased(UsageWeekly, name="spent")  # the usage of a person-week with counted output
    used = (
        select(
            usage.person_id.label("person_id"),
            *by_part(usage.week_start, usage.tokens, "tokens"),
            *by_part(usage.week_start, usage.cost_usd, "spend_usd"),
            *by_part(usage.week_start, usage.active_days, "active_days", parts=(1,)),
            *by_part(usage.week_start, 1, "used"),
        )
        .where(in_weeks(usage.week_start, starts), *of_members(usage.person_id, members))
        .group_by(usage.person_id)
        .subquery("used")
    )
    output = (
        select(
            made.c.person_id.label("person_id"),
            *by_part(made.c.week_start, made.c.artifacts, "artifacts"),
            *by_part(made.c.week_start, made.c.work_units, "work_units"),
            *by_part(made.c.week_start, case((made.c.work_units > 0, spent.cost_usd)), "evidenced"),
            *by_part(made.c.week_start, 1, "made", parts=(1,)),
        )
        .select_from(made)
        .outerjoin(
            spent,
            and_(
                spent.person_id == made.c.person_id,
                spent.week_start == made.c.week_start,
                in_weeks(spent.week_start, starts),
            ),
        )
        .group_by(made.c.person_id)
        .subquery("output")
    )
    summed = {name: used.c[name] if name in used.c else output.c[name] for name in (*FIGURES, *MARKS)}
    return (
        select(
            Person.id.label("person_id"),
            *(func.coalesce(summed[name], nothing).label(name) for name, nothing in FIGURES.items()),
            *(summed[name].label(name) for name in MARKS),
        )
        .outerjoin(used, used.c.person_id == Person.id)
        .outerjoin(output, output.c.person_id == Person.id)
        .where(*of_members(Person.id, members))
    )


def kept_sums(last_week: date, weeks: int, members: Members, *, cap: int, kept: bool) -> CompoundSelect[Any]:
    """`member_sums`' rows for the period of `weeks` ending the week starting `last_week`, of the people with
    numbers: read from period_figures for everyone no write since the bind parameter BUILT_VERSION named, and
    summed from their weeks for those it did. Run only while `built_version` says the table holds."""
    starts, period_start = _weeks_of(IsoWeek.containing(last_week), weeks)
    changed = select(FiguresChange.person_id).where(FiguresChange.version > _built_version())
    table = PeriodFigures
    stored = select(table.person_id, *(table.__table__.c[name] for name in (*FIGURES, *MARKS))).where(
        table.last_week_start == last_week,
        table.weeks == weeks,
        table.counted_cap == cap,
        table.person_id.not_in(changed),
        *of_members(table.person_id, members),
    )
    changed_members = changed.where(*of_members(FiguresChange.person_id, members))
    summed_again = member_sums(starts, period_start, changed_members, cap=cap, kept=kept)
    return stored.union_all(summed_again)


Read = TypeVar("Read")


def read_while_held(built: int | None, read: Callable[[int | None], Read | None]) -> tuple[int | None, Read]:
    """`read(built)`, reading the kept tables at that build, when there is one and its statement found it still the
    tables' (not None); else `read(None)`, from the weeks, which is never checked. Returns the build read (None:
    the weeks) and what was read."""
    if built is not None:
        found = read(built)
        if found is not None:
            return built, found
    found = read(None)
    assert found is not None  # (a read from the weeks has no build to find replaced)
    return None, found


def _built_version() -> BindParameter[int]:
    return bindparam(BUILT_VERSION, type_=Integer)


def built_version(session: Session, last_week: date, weeks: int, cap: int) -> int | None:
    """The figures version period_figures was built at for this period and cap, if no write about everyone
    came after it (None: the table does not hold; sum every member's weeks)."""
    build = PeriodFiguresBuild
    return session.scalar(
        select(build.figures_version)
        .join(FiguresVersion, FiguresVersion.id == 1)
        .where(*_sums_built(last_week, weeks, cap), build.figures_version >= FiguresVersion.everyone_version)
    )


def _sums_built(last_week: date, weeks: int, cap: int) -> list[ColumnElement[bool]]:
    build = PeriodFiguresBuild
    return [build.last_week_start == last_week, build.weeks == weeks, build.counted_cap == cap]


def build_period_figures(
    sessions: sessionmaker[Session],
    last_week: IsoWeek,
    settings: Settings,
    now: datetime,
    spans: Sequence[int] = KEPT_SPANS,
) -> dict[int, int]:
    """Write every person's sums for the periods of `spans` weeks ending `last_week` (and the ones before), and
    the people whose spend might earn a flag on `last_week` (flag_candidates), in place of whatever the tables
    held. Returns the people written per span (none, and nothing built, when nothing was ever written: the
    database has no figures version to build at)."""
    built = _build(sessions, last_week, settings, now, spans, unless_held=False)
    assert built is not None  # (only a build unless they hold finds them held)
    return built


def _build(
    sessions: sessionmaker[Session],
    last_week: IsoWeek,
    settings: Settings,
    now: datetime,
    spans: Sequence[int],
    *,
    unless_held: bool,
) -> dict[int, int] | None:
    cap = settings.max_counted_artifacts
    with sessions.begin() as session:
        postgresql = session.get_bind().dialect.name == "postgresql"
        with _one_build_at_a_time(session):
            if unless_held and _held(session, last_week, settings, spans):  # built by a run we waited for
                return None
            # Read before the sums: a write committed after this read has a higher version, so it is either
            # about everyone (the table does not hold) or recorded in figures_changes (summed again on read).
            version = session.scalar(select(FiguresVersion.version).where(FiguresVersion.id == 1))
            if version is None:
                return {}
            session.execute(delete(PeriodFiguresBuild))
            session.execute(delete(PeriodFigures))
            session.execute(delete(FlagCandidate))
            kept = output_kept(session, cap)
            for weeks in spans:
                _insert_sums(session, last_week, weeks, cap, kept)
                session.add(
                    PeriodFiguresBuild(
                        last_week_start=last_week.start,
                        weeks=weeks,
                        counted_cap=cap,
                        figures_version=version,
                        flag_threshold_usd=settings.nudge_min_spend_usd,
                        unexplained_weeks=settings.unexplained_weeks,
                        built_at=now,
                    )
                )
            candidates = flag_candidates(
                select(Person.id),
                flag_window(last_week, settings),
                threshold_usd=settings.nudge_min_spend_usd,
                unexplained_weeks=settings.unexplained_weeks,
            ).subquery("candidates")
            session.execute(
                insert(FlagCandidate).from_select(
                    ["last_week_start", "person_id"], select(literal(last_week.start), candidates.c.person_id)
                )
            )
            # (counted: SQLite's driver has no row count for an INSERT that SQLAlchemy begins with WITH)
            written = {
                int(weeks): int(people)
                for weeks, people in session.execute(
                    select(PeriodFigures.weeks, func.count()).group_by(PeriodFigures.weeks)
                )
            }
    if postgresql:  # planned from its real size at once, not autovacuum's
        with sessions.begin() as session:
            session.execute(text(f"ANALYZE {PeriodFigures.__tablename__}"))
            session.execute(text(f"ANALYZE {FlagCandidate.__tablename__}"))
    return {weeks: written.get(weeks, 0) for weeks in spans}


def _insert_sums(session: Session, last_week: IsoWeek, weeks: int, cap: int, kept: bool) -> None:
    starts, period_start = _weeks_of(last_week, weeks)
    sums = member_sums(starts, period_start, None, cap=cap, kept=kept).subquery("sums")
    # (someone whose only output is before the period and counts for nothing adds nothing to any sum)
    with_numbers = or_(
        *(sums.c[name].is_not(None) for name in MARKS), sums.c.artifacts_2 != 0, sums.c.work_units_2 != 0
    )
    session.execute(
        insert(PeriodFigures).from_select(
            ["last_week_start", "weeks", "counted_cap", "person_id", *FIGURES, *MARKS],
            select(
                literal(last_week.start),
                literal(weeks),
                literal(cap),
                *(sums.c[name] for name in ("person_id", *FIGURES, *MARKS)),
            ).where(with_numbers),
        )
    )


@contextmanager
def _one_build_at_a_time(session: Session) -> Iterator[None]:
    """Two builds at once would both replace the table: on PostgreSQL the second waits for the first's commit
    (a transaction-scoped advisory lock); SQLite has one writer at a time anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(literal(_ADVISORY_KEY))))
    yield


_ADVISORY_KEY = 0x6266_7065_7269_6F64  # "bfperiod"


def ensure_period_figures(
    sessions: sessionmaker[Session],
    last_week: IsoWeek,
    settings: Settings,
    now: datetime,
    spans: Sequence[int] = KEPT_SPANS,
) -> dict[int, int] | None:
    """Build the periods' figures and flag candidates unless they all hold already. Returns the people written
    per span (None: they held). One write about everyone makes them all stale at once, as does a new week or new
    flag settings: they are built together."""
    with sessions() as session:
        if _held(session, last_week, settings, spans):
            return None
    return _build(sessions, last_week, settings, now, spans, unless_held=True)


def _held(session: Session, last_week: IsoWeek, settings: Settings, spans: Sequence[int]) -> bool:
    cap = settings.max_counted_artifacts
    if any(built_version(session, last_week.start, weeks, cap) is None for weeks in spans):
        return False
    return candidates_version(session, last_week.start, settings) is not None


def built_summary(built: dict[int, int]) -> str:
    """The people written per span, the largest first: "12 weeks: 84,210 people; 1 week: 70,112 people"."""
    return (
        "; ".join(
            f"{plural(weeks, 'week')}: {plural(people, 'person', 'people')}"
            for weeks, people in sorted(built.items(), reverse=True)
        )
        or "nothing written yet"
    )


HOLDS = "yes"  # what a statement reading the kept sums says when the build it read was still the table's


def kept_sums_hold(last_week: date, weeks: int, cap: int) -> ColumnElement[bool]:
    """True when period_figures still holds the build BUILT_VERSION names, as the statement it is part of sees the
    table (a build committed since the caller's `built_version` replaced every row)."""
    build = PeriodFiguresBuild
    return (
        select(build.figures_version)
        .where(*_sums_built(last_week, weeks, cap), build.figures_version == _built_version())
        .exists()
    )


def candidates_version(session: Session, last_week: date, settings: Settings) -> int | None:
    """The figures version flag_candidates was chosen at for `last_week` with these flag settings, if no write
    about everyone came after it (None: choose them from everyone's weeks)."""
    build = PeriodFiguresBuild
    return session.scalar(
        select(func.max(build.figures_version))
        .join(FiguresVersion, FiguresVersion.id == 1)
        .where(
            *_candidates_built(last_week, settings.nudge_min_spend_usd, settings.unexplained_weeks),
            build.figures_version >= FiguresVersion.everyone_version,
        )
    )


def kept_candidate_ids(last_week: date, members: Members) -> AnySelect:
    """The ids of `members` among the flag candidates kept for `last_week`: run only while `candidates_version`
    says they hold, with the version bound as BUILT_VERSION and `kept_candidates_hold` in the same statement."""
    return select(FlagCandidate.person_id).where(
        FlagCandidate.last_week_start == last_week, *of_members(FlagCandidate.person_id, members)
    )


def kept_candidates_hold(last_week: date, threshold_usd: Decimal, unexplained_weeks: int) -> ColumnElement[bool]:
    """True when the build BUILT_VERSION names still holds the flag candidates, as the statement sees the tables."""
    build = PeriodFiguresBuild
    return (
        select(build.figures_version)
        .where(
            *_candidates_built(last_week, threshold_usd, unexplained_weeks), build.figures_version == _built_version()
        )
        .exists()
    )


def _candidates_built(last_week: date, threshold_usd: Decimal, unexplained_weeks: int) -> list[ColumnElement[bool]]:
    build = PeriodFiguresBuild
    return [
        build.last_week_start == last_week,
        build.flag_threshold_usd == threshold_usd,
        build.unexplained_weeks == unexplained_weeks,
    ]
