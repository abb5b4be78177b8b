"""Team numbers for managers and admins: a group of people over a span of weeks, aggregated in SQL.

A group's members are a subquery (a manager's tree: one range of the org chart's closure table), so
a tree of thousands of people costs the same handful of aggregate queries as a team of five.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property, lru_cache
from time import perf_counter
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Engine,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import QueryableAttribute, Session, sessionmaker

from bot.db.models import Artifact, Award, CodeActivityDaily, OrgClosure, Person, Seat, UsageDaily, UsageWeekly
from bot.db.output import Members
from bot.db.output_weekly import counted_output, ensure_output_weekly, output_kept, weekly_output_totals
from bot.db.query_types import WORK_UNITS
from bot.db.reads_aside import reads_aside
from bot.db.value_sets import PEOPLE, in_weeks, of_members
from bot.domain.chart import WeekFigures
from bot.domain.command_args import DEFAULT_TEAM_WEEKS, Target
from bot.domain.flags import Flag
from bot.domain.periods import IsoWeek, weeks_ending
from bot.domain.ranking import best_rows, rank
from bot.domain.reports import (
    FLAGGED_LISTED,
    IdleSeat,
    PeriodTotals,
    PersonLine,
    PersonReport,
    Refusal,
    TeamAnswer,
    TeamReport,
    ViewedGroup,
)
from bot.domain.seats import SEAT_COST_SOURCE
from bot.domain.stats import PersonWeek
from bot.domain.text import escape, team_key
from bot.domain.titles import TitleRulesError
from bot.ingest.seat_prices import SeatPrices
from bot.services import authority
from bot.services.artifacts import artifact_view
from bot.services.audit import record_view
from bot.services.authority import Viewer
from bot.services.code_activity import COPILOT, CURSOR
from bot.services.flags import (
    EvidenceRead,
    evidence_statement,
    flag_candidates,
    flag_window,
    flags_for_people,
    flags_from_evidence,
)
from bot.services.identity import UserLookup, person_for_slack_user
from bot.services.period_figures import (
    BUILT_VERSION,
    HOLDS,
    built_summary,
    built_version,
    candidates_version,
    ensure_period_figures,
    kept_candidate_ids,
    kept_candidates_hold,
    kept_sums,
    kept_sums_hold,
    member_sums,
    read_while_held,
)
from bot.services.period_figures import FIGURES as SUM_FIGURES
from bot.services.seats import idle_seats
from bot.services.stats import DEFAULT_CAP
from bot.services.team_figures import kept_report, variant
from bot.services.titles import rules_for
from bot.settings import Settings

TABLE_LIMIT = 25
TOP_BUILDERS = 5
AnySelect = Select[*tuple[Any, ...]]  # a SELECT of any columns (a group's member ids, a usage subquery)
# The bind parameters a group's members' statement names, so that a statement built for one group answers for
# any other of its kind when run with that group's `parameters` (see _period_statement).
GROUP_ROOT = "group_root"  # a tree's manager, or the one person
GROUP_TEAM_KEY = "group_team_key"


@dataclass(frozen=True)
class Group:
    """Whose numbers: a manager's tree, a team by name, one person, or the whole organisation.

    Its members are a statement of person ids derived from the kind and its `parameters` alone, so a statement
    built with one group's members answers for any group of the kind when run with that group's `parameters`.
    """

    kind: str  # tree | team | everyone | person (one person, `/buildboard user`)
    label: str
    root_id: int | None = None  # tree: the manager; person: the person
    team_key: str | None = None  # team: the team's key
    size: int | None = field(default=None, compare=False)  # how many people, when already counted

    @classmethod
    def tree(cls, manager_id: int, label: str, size: int | None = None) -> Group:
        """Everyone below the manager (not the manager: their own numbers are `/buildboard me`).

        `size`: the count of everyone below them (authority.reports_count), when the caller has it.
        """
        return cls("tree", label, root_id=manager_id, size=size)

    @classmethod
    def team(cls, key: str, label: str, size: int | None = None) -> Group:
        """Everyone whose team has `key` (bot.domain.text.team_key)."""
        return cls("team", label, team_key=key, size=size)

    @classmethod
    def person(cls, person_id: int, label: str) -> Group:
        """One person (`/buildboard user`)."""
        return cls("person", label, root_id=person_id)

    @classmethod
    def everyone(cls) -> Group:
        return cls("everyone", "The whole organisation")

    @classmethod
    def like(cls, kind: str) -> Group:
        """A group of `kind` to build statements with that any group of the kind runs with its `parameters`."""
        return cls(kind, "", root_id=0 if kind in ("tree", "person") else None, team_key="" if kind == "team" else None)

    @cached_property
    def members(self) -> AnySelect | None:
        """The members' ids as a statement naming the bind parameters of `parameters`; None: everyone."""
        if self.kind == "tree":
            return authority.below(bindparam(GROUP_ROOT, self.root_id))
        if self.kind == "team":
            return _team_members(self.team_key or "")
        if self.kind == "person":
            return select(Person.id).where(Person.id == bindparam(GROUP_ROOT, self.root_id))
        return None

    @property
    def member_ids(self) -> AnySelect:
        """`members`, with everyone as every person's id (for SQL that needs a subquery either way)."""
        return self.members if self.members is not None else select(Person.id)

    @property
    def parameters(self) -> dict[str, Any]:
        """The values of the bind parameters its members' statement names (GROUP_ROOT, GROUP_TEAM_KEY)."""
        if self.kind in ("tree", "person"):
            return {GROUP_ROOT: self.root_id}
        if self.kind == "team":
            return {GROUP_TEAM_KEY: self.team_key}
        return {}

    @property
    def key(self) -> str | None:
        """Who, within the kind, for the kept reports: the manager's id, the team's key, "" (None: not kept)."""
        if self.kind == "tree":
            return str(self.root_id)
        if self.kind == "team":
            return self.team_key
        return "" if self.kind == "everyone" else None

    @property
    def viewed(self) -> ViewedGroup:
        """The group as the audit trail records a view of it."""
        return ViewedGroup(self.kind, self.root_id, self.team_key)


# ------------------------------------------------------------------ groups and authority


def _members_filter(column: QueryableAttribute[int], group: Group) -> list[ColumnElement[bool]]:
    return [column.in_(group.members)] if group.members is not None else []


def _team_members(key: str) -> Select[int]:
    return select(Person.id).where(Person.team_key == bindparam(GROUP_TEAM_KEY, key))


def visible_teams(session: Session, viewer: Viewer, limit: int = 8) -> list[str]:
    """Names of teams whose every member the viewer may see (for suggestions in refusals)."""
    allowed = authority.scope(viewer)
    query = select(Person.team).where(Person.team.is_not(None), Person.in_org.is_(True)).group_by(Person.team)
    if allowed is not None:
        query = query.having(func.sum(case((Person.id.in_(allowed), 0), else_=1)) == 0)
    rows = session.execute(query.order_by(Person.team).limit(limit))
    return [team for (team,) in rows if team is not None]  # never None: the query leaves out people without one


def _suggestions(session: Session, viewer: Viewer) -> str:
    teams = visible_teams(session, viewer)
    options = ["`/buildboard me` for your own numbers"]
    if viewer.person_id is not None and authority.reports_count(session, viewer.person_id):
        options.append("`/buildboard team` for everyone who reports to you")
    if teams:
        options.append("a team by name: " + ", ".join(f"`/buildboard team {escape(t)}`" for t in teams))
    return "You can use " + "; ".join(options) + "."


def resolve_group(
    session: Session, viewer: Viewer, target: Target, lookup_user: UserLookup | None = None
) -> tuple[Group | None, Refusal | None]:
    """The group `target` names, if the viewer may see all of it; otherwise a refusal saying what they may do."""
    if target.is_default:
        if viewer.person_id is not None and (size := authority.reports_count(session, viewer.person_id)):
            me = session.get(Person, viewer.person_id)
            label = f"{(me.name if me else None) or 'Your'}'s team (everyone below you)"
            return Group.tree(viewer.person_id, label, size), None
        if viewer.is_admin:
            return Group.everyone(), None
        return None, Refusal(
            "Nobody reports to you in Buildboard's people file, so there is no team to show. "
            + _suggestions(session, viewer)
        )
    if target.user_id:
        person = person_for_slack_user(session, target.user_id, lookup_user)
        if person is None:
            return None, Refusal("I don't know that person in Buildboard. " + _suggestions(session, viewer))
        # The manager must be visible too: their team alone could be the caller themselves (carol asking for bob's).
        if not authority.may_see(session, viewer, [person.id]):
            return None, _not_yours("that person's team", session, viewer)
        size = authority.reports_count(session, person.id)
        if not size:
            return None, Refusal(
                f"Nobody reports to {escape(person.name or 'that person')} in Buildboard's people file, so there is "
                "no team to show. " + _suggestions(session, viewer)
            )
        group = Group.tree(person.id, f"{person.name or 'Their'}'s team (everyone below them)", size)
    else:
        assert target.team_name is not None
        key = team_key(target.team_name)
        assert key is not None  # a name gives a key
        size = group_size(session, Group.team(key, ""))
        if not size:
            return None, Refusal(
                f"There is no team called *{escape(target.team_name)}* in the people file. "
                + _suggestions(session, viewer)
            )
        canonical = session.scalar(select(Person.team).where(Person.team_key == key).limit(1))
        group = Group.team(key, f"Team {canonical}", size)
    assert group.members is not None  # only the default target (handled above) means everyone
    if not authority.may_see(session, viewer, group.members):
        return None, _not_yours("that person's team" if target.user_id else "that team", session, viewer)
    return group, None


def _not_yours(what: str, session: Session, viewer: Viewer) -> Refusal:
    return Refusal(
        f"I can't show {what}: it includes people who don't report to you. "
        "Managers see the people below them, and everyone sees their own numbers. " + _suggestions(session, viewer)
    )


# ------------------------------------------------------------------ the numbers


def _usage_by_person_week(weeks: list[IsoWeek], group: Group) -> AnySelect:
    """Usage per person and week of the period: the group's rows of the weekly rollup."""
    return select(
        UsageWeekly.person_id.label("person_id"),
        UsageWeekly.week_start.label("week_start"),
        UsageWeekly.tokens.label("tokens"),
        UsageWeekly.cost_usd.label("spend_usd"),
        UsageWeekly.active_days.label("active_days"),
    ).where(
        UsageWeekly.week_start.between(weeks[0].start, weeks[-1].start),
        *_members_filter(UsageWeekly.person_id, group),
    )


class LineRow(NamedTuple):
    """A person's figures over the period as the statement gives them: a report of 25,000 people turns only the
    few it shows (the top builders, the flagged, a small group's table) into PersonLines."""

    person_id: int
    name: str | None
    slack_user_id: str | None
    team: str | None
    in_org: bool
    active: bool
    tokens: int
    spend_usd: Decimal
    active_days: int
    artifacts: int
    work_units: Decimal

    def stats(self) -> PersonWeek:
        return PersonWeek(
            self.person_id,
            int(self.tokens),
            Decimal(self.spend_usd),
            int(self.active_days),
            int(self.artifacts),
            Decimal(self.work_units),
        )

    def line(self) -> PersonLine:
        return PersonLine(
            self.person_id, self.name, self.slack_user_id, self.team, bool(self.in_org), bool(self.active), self.stats()
        )


@dataclass(frozen=True)
class GroupFigures:
    """A group's per-person rows over a period, and its totals over the period and the one before."""

    rows: list[LineRow]  # everyone with usage or output in the period, or (not `every_line`) the builders' candidates
    totals: PeriodTotals
    previous: PeriodTotals
    with_lines: int  # how many people have usage or output in the period
    every_line: bool  # `rows` holds every one of them
    weeks: tuple[IsoWeek, ...] = ()  # the period before and the period, for `lines_of`
    kept: bool = False  # the counted output was read from output_weekly
    built: int | None = None  # the version of the kept period sums read (None: summed from the weeks)

    def lines_of(self, session: Session, people: Collection[int], cap: int) -> list[LineRow]:
        """The lines of `people` (of the group) who used AI in the period: from `rows` when it holds every line, else
        read (a large group's flagged, a few thousand of its 80,000 lines)."""
        if self.every_line:
            return [row for row in self.rows if row.person_id in people and row.tokens > 0]
        if not people:
            return []
        period_start = self.weeks[len(self.weeks) // 2].start

        def read(built: int | None) -> list[LineRow] | None:
            statement = _flagged_statement(self.weeks, period_start, cap, self.kept, built is not None)
            parameters = {PEOPLE.name: sorted(people), BUILT_VERSION: built}
            lines, holds = [], built is None
            for part, *figures, _ in session.execute(statement, parameters):
                if part == 0:
                    lines.append(LineRow._make(figures))
                else:
                    holds = figures[1] == HOLDS
            return lines if holds else None

        return read_while_held(self.built, read)[1]


def group_figures(
    session: Session,
    period: list[IsoWeek],
    before: list[IsoWeek],
    group: Group,
    *,
    cap: int = DEFAULT_CAP,
    builders_by: str | None = None,
) -> GroupFigures:
    """The rows and both periods' totals, over each person's sums of both periods, in one statement. (Reading the
    period before's totals on a connection of their own, as a large group's report did until 1 Dec 2026, read
    each member's usage twice once both periods were summed in one pass: it was slower.)

    Evidenced spend is the spend of person-weeks with counted output; active people are those with a usage row;
    `people` is the group's current headcount (the same for both periods). `builders_by` (a BUILDBOARD_RANK_BY):
    a large group's rows are only those who can be its top builders ranked by it (`lines_of` reads others).
    """
    kept = output_kept(session, cap)
    # (the whole organisation is large, one person is not: neither is counted)
    side_by_side = group.kind == "everyone" or (
        group.kind != "person" and group_size(session, group) >= SIDE_BY_SIDE_FROM
    )
    weeks = [*before, *period]
    # A large group reads its members' sums kept for the period, when they hold (bot/services/period_figures.py).
    built = built_version(session, period[-1].start, len(period), cap) if side_by_side else None
    builders_by = builders_by if side_by_side else None
    # (None from a read of the kept sums: rebuilt between the check and the statement; every member's weeks summed)
    built, (rows, totals, with_lines) = read_while_held(
        built,
        lambda version: _period_figures(
            session, weeks, period[0].start, group, cap, kept, side_by_side, version, builders_by
        ),
    )
    people = next((found.people for found in totals.values()), None)
    if people is None:  # nobody had usage or output in either period: the headcount alone
        people = int(session.scalar(select(_headcount(group))) or 0)
    nothing = PeriodTotals(people, 0, 0, Decimal(0), 0, Decimal(0), Decimal(0))
    every_line = with_lines is None or len(rows) == with_lines
    return GroupFigures(
        rows,
        totals.get(1, nothing),
        totals.get(2, nothing),
        len(rows) if with_lines is None else with_lines,
        every_line,
        tuple(weeks),
        kept,
        built,
    )


def _headcount(group: Group) -> Any:
    return (
        select(func.count())
        .select_from(Person)
        .where(Person.in_org.is_(True), Person.active.is_(True), *_members_filter(Person.id, group))
        .scalar_subquery()
    )


def _period_figures(
    session: Session,
    weeks: list[IsoWeek],
    period_start: date,
    group: Group,
    cap: int,
    kept: bool,
    side_by_side: bool,
    built: int | None,
    builders_by: str | None,
) -> tuple[list[LineRow], dict[int, PeriodTotals], int | None] | None:
    """Rows of the weeks from `period_start`, totals per period (1: from `period_start`, 2: before it) of `weeks`,
    and how many people have lines (None: `rows` are all of them), in one statement (`side_by_side`: see
    SIDE_BY_SIDE_FROM). `kept`: the counted output is read from output_weekly (kept for `cap`), else computed.
    `built`: the members' sums are read from period_figures, built at that figures version; None is returned when
    that build was replaced before the statement read it. `builders_by`: see _side_by_side_statement."""
    statement = _period_statement(
        tuple(weeks), period_start, group.kind, cap, kept, side_by_side, built is not None, builders_by
    )
    parameters = group.parameters if built is None else {**group.parameters, BUILT_VERSION: built}
    rows: list[LineRow] = []
    periods: dict[int, PeriodTotals] = {}
    with_lines = None
    for kind, *figures, evidenced in session.execute(statement, parameters).all():
        if kind == 0:
            rows.append(LineRow._make(figures))
            continue
        # A period's totals: active people where the id goes, whether the kept sums held where the name goes,
        # the lines where the Slack id goes (side by side), the headcount where active days go.
        active, holds, lines, _, _, _, tokens, spend, people, artifacts, units = figures
        if built is not None and holds != HOLDS:
            return None
        with_lines = None if lines is None else int(lines)
        periods[kind] = PeriodTotals(
            int(people),
            int(active),
            int(tokens),
            Decimal(spend),
            int(artifacts),
            Decimal(units),
            Decimal(evidenced),
        )
    return rows, periods, with_lines


# From this many people a group's figures are summed with each person's two periods side by side
# (_side_by_side_statement); below it per (period, person) and then per person (_by_part_statement). Side by side
# reads a large group's rows once, in index order, without sorting them: the whole organisation's statement on
# PostgreSQL 2.7-2.9 s -> 1.6 s; but for a small group it plans and runs longer (200 groups of up to 2,000 people,
# PostgreSQL: 7.3-9.2 ms a report per period, 7.8-10.6 ms side by side; the nightly job's 11,413 small reports 93 s
# per period, 109 s side by side).
SIDE_BY_SIDE_FROM = 2_000


@lru_cache(maxsize=64)
def _period_statement(
    weeks: tuple[IsoWeek, ...],
    period_start: date,
    kind: str,
    cap: int,
    kept: bool,
    side_by_side: bool,
    from_kept_sums: bool,
    builders_by: str | None,
) -> Any:
    """_period_figures' statement for every group of `kind` (run with the group's `parameters`), built once.

    Building it (the per-person-week figures, the counted output's terms, the totals) took about a third of a
    small group's report, each time; a Monday of reports asks for the same weeks with other groups.
    """
    if side_by_side:
        return _side_by_side_statement(weeks, period_start, kind, cap, kept, from_kept_sums, builders_by)
    return _by_part_statement(weeks, period_start, kind, cap, kept)


def _by_part_statement(weeks: tuple[IsoWeek, ...], period_start: date, kind: str, cap: int, kept: bool) -> Any:
    """_period_statement for a group under SIDE_BY_SIDE_FROM people: sums per (period, person), then per person.
    A period without usage or output has no totals row."""
    group = Group.like(kind)
    starts = [week.start for week in weeks]

    def part(week_start: Any) -> Any:  # 1: the period, 2: the one before
        return case((week_start >= period_start, 1), else_=2).label("part")

    # Each person's sums per period, from two per-person aggregates added up (grouped by "1": the part): the
    # usage of the person's weeks, and their counted output with the spend of its weeks (evidenced spend is
    # decided per person-week). Putting usage and output side by side per person-week first
    # (person_period_figures, as the export does) sorted and summed every person-week of both periods: a
    # 24,979-person group's report took 1.8 s on SQLite, now 1.35 s; its statement on PostgreSQL about 10 % less.
    made = counted_output(starts, group.members, cap=cap, kept=kept).subquery("made")
    used = (
        select(
            part(UsageWeekly.week_start),
            UsageWeekly.person_id.label("person_id"),
            func.sum(UsageWeekly.tokens).label("tokens"),
            func.sum(UsageWeekly.cost_usd).label("spend_usd"),
            func.sum(UsageWeekly.active_days).label("active_days"),
            literal(0, Integer).label("artifacts"),
            literal(Decimal(0), WORK_UNITS).label("work_units"),
            literal(Decimal(0), UsageWeekly.cost_usd.type).label("evidenced_spend_usd"),
            literal(1, Integer).label("used"),
        )
        .where(in_weeks(UsageWeekly.week_start, starts), *_members_filter(UsageWeekly.person_id, group))
        .group_by(text("1"), UsageWeekly.person_id)
    )
    # The spend of each person-week with counted output: one lookup by the usage rollup's key per such week.
    week_spend = (
        select(UsageWeekly.cost_usd)
        .where(UsageWeekly.person_id == made.c.person_id, UsageWeekly.week_start == made.c.week_start)
        .scalar_subquery()
    )
    made_weeks = select(
        made.c.person_id,
        made.c.week_start,
        made.c.artifacts,
        made.c.work_units,
        case((made.c.work_units > 0, week_spend)).label("evidenced_spend_usd"),
    ).subquery("made_weeks")
    output = select(
        part(made_weeks.c.week_start),
        made_weeks.c.person_id,
        literal(0, UsageWeekly.tokens.type),
        literal(Decimal(0), UsageWeekly.cost_usd.type),
        literal(0, Integer),
        func.sum(made_weeks.c.artifacts),
        func.sum(made_weeks.c.work_units),
        func.coalesce(func.sum(made_weeks.c.evidenced_spend_usd), 0),
        literal(0, Integer),
    ).group_by(text("1"), made_weeks.c.person_id)
    both = union_all(used, output).subquery("both_parts")
    per_person = (
        select(
            both.c.part,
            both.c.person_id,
            func.sum(both.c.tokens).label("tokens"),
            func.sum(both.c.spend_usd).label("spend_usd"),
            func.sum(both.c.active_days).label("active_days"),
            func.sum(both.c.artifacts).label("artifacts"),
            func.sum(both.c.work_units).label("work_units"),
            func.sum(both.c.evidenced_spend_usd).label("evidenced_spend_usd"),
            func.max(both.c.used).label("used"),  # 1: a usage row in the period
        )
        .group_by(both.c.part, both.c.person_id)
        .cte("per_person")
    )
    totals = select(
        per_person.c.part,
        func.count(case((per_person.c.used == 1, 1))),  # active people
        null(),
        null(),
        null(),
        null(),
        null(),
        func.coalesce(func.sum(per_person.c.tokens), 0),
        func.coalesce(func.sum(per_person.c.spend_usd), 0),
        _headcount(group),  # people, in the place of active days
        func.coalesce(func.sum(per_person.c.artifacts), 0),
        func.coalesce(func.sum(per_person.c.work_units), 0),
        func.coalesce(func.sum(per_person.c.evidenced_spend_usd), 0),
    ).group_by(per_person.c.part)
    lines = (
        select(
            literal(0).label("part"),  # 0: a person's line; 1: the period's totals; 2: the period before's
            Person.id,
            Person.name,
            Person.slack_user_id,
            Person.team,
            Person.in_org,
            Person.active,
            per_person.c.tokens,
            per_person.c.spend_usd,
            per_person.c.active_days,
            per_person.c.artifacts,
            per_person.c.work_units,
            literal(Decimal(0), WORK_UNITS).label("evidenced_spend_usd"),
        )
        .join_from(per_person, Person, Person.id == per_person.c.person_id)
        .where(per_person.c.part == 1)
    )
    return union_all(lines, totals)


def _members_figures(
    weeks: tuple[IsoWeek, ...], period_start: date, members: Members, cap: int, kept: bool, from_kept_sums: bool
) -> Any:
    """One row per person of `members` (None: everyone) with both periods side by side (`name`_1, `name`_2): their
    people row joined to their sums (period_figures.member_sums, or those kept in period_figures); `in_1`: not
    None when they have usage or output in the period (a line)."""
    if from_kept_sums:
        sums = kept_sums(weeks[-1].start, len(weeks) // 2, members, cap=cap, kept=kept).subquery("sums")
    else:
        starts = [week.start for week in weeks]
        sums = member_sums(starts, period_start, members, cap=cap, kept=kept).subquery("sums")
    return (
        select(
            Person.id.label("person_id"),
            Person.name,
            Person.slack_user_id,
            Person.team,
            Person.in_org,
            Person.active,
            *(func.coalesce(sums.c[name], nothing).label(name) for name, nothing in SUM_FIGURES.items()),
            *(sums.c[name].label(name) for name in ("used_1", "used_2")),  # weeks with usage (None: none)
            func.coalesce(sums.c.used_1, sums.c.made_1).label("in_1"),  # a line: usage or output in the period
        )
        .outerjoin(sums, sums.c.person_id == Person.id)
        .where(*of_members(Person.id, members))
        .cte("per_person")
    )


def _line_columns(figure: Any) -> list[Any]:
    """A LineRow's columns from _members_figures' rows, after the statement's `part` (0: a line)."""
    return [
        literal(0).label("part"),  # 0: a person's line; 1: the period's totals; 2: the period before's
        figure.person_id,
        figure.name,
        figure.slack_user_id,
        figure.team,
        figure.in_org,
        figure.active,
        figure.tokens_1,
        figure.spend_usd_1,
        figure.active_days_1,
        figure.artifacts_1,
        figure.work_units_1,
        literal(Decimal(0), WORK_UNITS).label("evidenced_spend_usd"),
    ]


# A line's figure that ranks first by each BUILDBOARD_RANK_BY (bot.domain.ranking's leading figure).
_LEADING = {"work_units": "work_units_1", "tokens": "tokens_1", "spend": "spend_usd_1"}


def _side_by_side_statement(
    weeks: tuple[IsoWeek, ...],
    period_start: date,
    kind: str,
    cap: int,
    kept: bool,
    from_kept_sums: bool,
    builders_by: str | None,
) -> Any:
    """_period_statement for a group of SIDE_BY_SIDE_FROM people or more: one row per member with both periods'
    sums. Both periods always have a totals row.

    `from_kept_sums`: the members' sums are read from period_figures (bot/services/period_figures.py), built at
    the version the bind parameter BUILT_VERSION names, and the totals rows say whether that build was still the
    table's when the statement read it (`HOLDS`, in the place of the name: a build committed between the check
    and this statement replaced it, and the figures must be summed again without it).
    `builders_by`: the lines are only those that can be top builders ranked by it (everyone's when the group has
    at most TABLE_LIMIT lines); None: every line. The totals rows count the lines where the Slack id goes.
    """
    group = Group.like(kind)
    # One row per member with both periods side by side: the same rows give the headcount, the lines and both
    # totals. Summed per (period, person) and then again per person (_by_part_statement), the whole organisation's
    # report on PostgreSQL sorts its 940,000 usage rows and then their 222,000 sums on disk, and looks each week's
    # spend up 255,616 times (twice per row of an aggregate that spills).
    per_person = _members_figures(weeks, period_start, group.members, cap, kept, from_kept_sums)
    figure = per_person.c
    holds = (
        case((kept_sums_hold(weeks[-1].start, len(weeks) // 2, cap), HOLDS), else_="no") if from_kept_sums else null()
    )
    with_lines = select(func.count(figure.in_1)).scalar_subquery()

    def totals_of(part: int) -> Any:  # a row even when nobody had usage or output in the part (or no members)
        return select(
            literal(part).label("part"),
            func.count(figure[f"used_{part}"]),  # active people
            holds,
            cast(func.count(figure.in_1), String),  # the lines (for each part: the period's), as the Slack id's text
            null(),
            null(),
            null(),
            func.coalesce(func.sum(figure[f"tokens_{part}"]), 0),
            func.coalesce(func.sum(figure[f"spend_usd_{part}"]), 0),
            func.count(case((and_(figure.in_org.is_(True), figure.active.is_(True)), 1))),  # people, where days go
            func.coalesce(func.sum(figure[f"artifacts_{part}"]), 0),
            func.coalesce(func.sum(figure[f"work_units_{part}"]), 0),
            func.coalesce(func.sum(figure[f"evidenced_{part}"]), 0),
        )

    shown = [figure.in_1.is_not(None)]
    if builders_by is not None:
        # Only a line whose leading figure reaches the TOP_BUILDERS-th largest among those who can be builders can
        # be one (bot.domain.ranking.best_rows keeps the same ones, and ranks them): a report of 85,000 people
        # turned 80,000 rows into Python lines to rank 5 (about 1 s). The flagged are read after (_flagged_lines).
        lead = figure[_LEADING[builders_by]]
        builder = and_(figure.artifacts_1 > 0, figure.in_org.is_(True), figure.active.is_(True))
        cutoff = select(lead).where(builder).order_by(lead.desc()).limit(1).offset(TOP_BUILDERS - 1).scalar_subquery()
        # (fewer than TOP_BUILDERS who can be: no cutoff, each of them; the subquery named once, so run once)
        shown.append(or_(and_(builder, lead >= func.coalesce(cutoff, lead)), with_lines <= TABLE_LIMIT))
    lines = select(*_line_columns(figure)).where(*shown)
    return union_all(lines, totals_of(1), totals_of(2))


@lru_cache(maxsize=16)
def _flagged_statement(
    weeks: tuple[IsoWeek, ...], period_start: date, cap: int, kept: bool, from_kept_sums: bool
) -> Any:
    """The lines of the people bound as PEOPLE who used AI in the period (the flagged, when the figures'
    statement gave only the builders' lines), from the kept sums the figures were read from (then one more row
    says whether they still held, as _side_by_side_statement's totals do) or summed from their weeks (3,320 of the
    whole organisation's people: 176 ms on PostgreSQL)."""
    figure = _members_figures(weeks, period_start, PEOPLE, cap, kept, from_kept_sums).c
    lines = select(*_line_columns(figure)).where(figure.in_1.is_not(None), figure.tokens_1 > 0)
    if not from_kept_sums:
        return lines
    holds = case((kept_sums_hold(weeks[-1].start, len(weeks) // 2, cap), HOLDS), else_="no")
    check = select(literal(1), null(), holds, *(null() for _ in range(10)))
    return union_all(lines, check)


def group_flags(session: Session, group: Group, week: IsoWeek, settings: Settings) -> dict[int, list[Flag]]:
    """Flags of the group's people, the group given to SQL as its member subquery (idle seats are listed apart).

    A large group reads the flag candidates kept for the week when they hold (bot/services/period_figures.py):
    choosing them from everyone's weeks was 0.7-0.8 s of the whole organisation's report.
    """
    window = flag_window(week, settings)
    chosen_first = group.size is None or group.size >= FLAG_CANDIDATES_FROM
    threshold, unexplained = settings.nudge_min_spend_usd, settings.unexplained_weeks
    # (from the size whose figures read the kept sums: below it, choosing from the members' weeks is quick, and
    # asking whether the kept candidates hold would be a statement more)
    kept_first = chosen_first and (group.size is None or group.size >= SIDE_BY_SIDE_FROM)
    built = candidates_version(session, week.start, settings) if kept_first else None

    def read(version: int | None) -> dict[int, list[Flag]] | None:
        """None: a build committed since the check replaced the kept candidates (chosen from everyone's weeks)."""
        kept_candidates = version is not None
        statement = _flag_statement(tuple(window), group.kind, threshold, unexplained, chosen_first, kept_candidates)
        parameters = {**group.parameters, BUILT_VERSION: version} if kept_candidates else group.parameters
        return flags_from_evidence(session, statement, window, settings, parameters)

    return read_while_held(built, read)[1]


# From this many people (or when the group's size is not known) a group's flags read the weeks of the people
# flag_candidates chooses: below it, choosing costs more than it saves (0.2 ms of a group of a few people).
FLAG_CANDIDATES_FROM = 50


@lru_cache(maxsize=64)
def _flag_statement(
    window: tuple[IsoWeek, ...],
    kind: str,
    threshold_usd: Decimal,
    unexplained_weeks: int,
    chosen_first: bool,
    kept_candidates: bool,
) -> EvidenceRead:
    """group_flags' read for every group of `kind` (run with the group's `parameters`), built once per window and
    settings, as _period_statement is: building it was about 1 ms of a small group's report. `chosen_first`: the
    weeks of the people flag_candidates chooses, not of everyone in the group; `kept_candidates`: those kept for
    the week, built at the version bound as BUILT_VERSION (checked in the same statement)."""
    starts = tuple(w.start for w in window)
    group = Group.like(kind)
    if not chosen_first:
        return evidence_statement(group.member_ids, starts)
    if kept_candidates:
        last = window[-1].start
        hold = kept_candidates_hold(last, threshold_usd, unexplained_weeks)
        return evidence_statement(kept_candidate_ids(last, group.members), starts, check=hold)
    candidates = flag_candidates(
        group.member_ids, window, threshold_usd=threshold_usd, unexplained_weeks=unexplained_weeks
    ).cte("flag_candidates")
    return evidence_statement(select(candidates.c.person_id), starts)


@dataclass(frozen=True)
class CodeAndSeatTotals:
    commits: int
    pull_requests: int
    cursor_requests: int
    cursor_accepted_lines: int
    copilot_interactions: int
    copilot_lines_added: int
    seat_cost_usd: Decimal
    seats_held: int  # seats held on `today` by the group's people


def code_and_seat_totals(session: Session, period: list[IsoWeek], group: Group, today: date) -> CodeAndSeatTotals:
    """One statement: Claude Code's commits and pull requests, Cursor's requests and accepted lines, the period's
    seat cost, and how many seats the group holds (so idle seats are looked for only where there are seats)."""
    statement = _code_and_seat_statement(period[0].start, period[-1].end, today, group.kind)
    row = session.execute(statement, group.parameters).one()
    commits, pull_requests, requests, accepted, copilot_interactions, copilot_lines, cost, held = row
    return CodeAndSeatTotals(
        int(commits),
        int(pull_requests),
        int(requests),
        int(accepted),
        int(copilot_interactions),
        int(copilot_lines),
        Decimal(cost or 0),
        int(held or 0),
    )


@lru_cache(maxsize=64)
def _code_and_seat_statement(first: date, last: date, today: date, kind: str) -> Any:
    """code_and_seat_totals' statement for every group of `kind` (run with the group's `parameters`), built once
    per period and day, as _period_statement is."""
    group = Group.like(kind)
    seat_cost = (
        select(func.coalesce(func.sum(UsageDaily.cost_usd), 0))
        .where(
            UsageDaily.day >= first,
            UsageDaily.day <= last,
            UsageDaily.cost_source == SEAT_COST_SOURCE,
            *_members_filter(UsageDaily.person_id, group),
        )
        .scalar_subquery()
    )
    seats_held = (
        select(func.count(Seat.id))
        .where(
            Seat.held_since <= today,
            or_(Seat.ended_on.is_(None), Seat.ended_on >= today),
            *_members_filter(Seat.person_id, group),
        )
        .scalar_subquery()
    )
    return select(
        func.coalesce(func.sum(CodeActivityDaily.commits), 0),
        func.coalesce(func.sum(CodeActivityDaily.pull_requests), 0),
        func.coalesce(
            func.sum(
                case(
                    (
                        CodeActivityDaily.provider == CURSOR,
                        CodeActivityDaily.agent_requests
                        + CodeActivityDaily.composer_requests
                        + CodeActivityDaily.chat_requests,
                    ),
                    else_=0,
                )
            ),
            0,
        ),
        func.coalesce(
            func.sum(case((CodeActivityDaily.provider == CURSOR, CodeActivityDaily.lines_added), else_=0)), 0
        ),
        func.coalesce(
            func.sum(
                case(
                    (
                        CodeActivityDaily.provider == COPILOT,
                        CodeActivityDaily.agent_requests + CodeActivityDaily.chat_requests,
                    ),
                    else_=0,
                )
            ),
            0,
        ),
        func.coalesce(
            func.sum(case((CodeActivityDaily.provider == COPILOT, CodeActivityDaily.lines_added), else_=0)), 0
        ),
        seat_cost,
        seats_held,
    ).where(
        CodeActivityDaily.day >= first,
        CodeActivityDaily.day <= last,
        *_members_filter(CodeActivityDaily.person_id, group),
    )


def group_idle_seats(session: Session, group: Group, today: date, settings: Settings) -> list[IdleSeat]:
    """The group's seats nobody used for BUILDBOARD_IDLE_SEAT_DAYS (managers' flags; admins' count and cost)."""
    prices = SeatPrices.load(settings.seats_file)
    views = idle_seats(session, prices, today=today, idle_days=settings.idle_seat_days, people=group.members)
    return [
        IdleSeat(v.person_id, v.name, v.slack_user_id, v.tool, v.plan_label, v.monthly_usd, v.last_active_day)
        for v in views
    ]


# From this many people a team report's reads take longer than asking some of them aside costs.
PEOPLE_READ_ASIDE = 2_000


def group_size(session: Session, group: Group) -> int:
    """How many people the group holds: its `size` when resolving it counted them, else one count over its member
    subquery (the closure's index for a tree)."""
    if group.size is not None:
        return group.size
    return int(session.scalar(select(func.count()).select_from(group.member_ids.subquery("members"))) or 0)


def team_report(
    session: Session,
    group: Group,
    last_week: IsoWeek,
    weeks: int,
    settings: Settings,
    *,
    today: date | None = None,
) -> TeamReport:
    """`today`: the day idle seats are judged on (default: the last day of `last_week`)."""
    period = weeks_ending(last_week, weeks)
    before = weeks_ending(last_week.previous(weeks), weeks)
    cap = settings.max_counted_artifacts
    today = today or last_week.end
    # The flags and the code and seat totals need nothing from the period's lines: on PostgreSQL, for a large
    # group, they are read on connections of their own while the figures' statement runs (bot/db/reads_aside.py).
    with reads_aside(session, worth_it=lambda: group_size(session, group) >= PEOPLE_READ_ASIDE) as aside:
        flags_answer = aside.ask(lambda s: group_flags(s, group, last_week, settings))
        code_answer = aside.ask(lambda s: code_and_seat_totals(s, period, group, today))
        figures = group_figures(session, period, before, group, cap=cap, builders_by=settings.rank_by)
        rows = figures.rows
        found = flags_answer.get() if figures.totals.tokens > 0 else {}  # flagged: people who used AI (if anyone)
        code = code_answer.get()
    # Lines only for the people the report shows: ranking or listing every person of a large group would cost
    # more than its statement. The top builders: output in the period, still in the organisation.
    candidates = (row for row in rows if row.artifacts > 0 and row.in_org and row.active)
    best = best_rows(candidates, TOP_BUILDERS, settings.rank_by, LineRow.stats)
    builders = [row.line() for row in best]
    flagged_lines = figures.lines_of(session, {pid for pid, flags in found.items() if flags}, cap)
    flagged = [(row.line(), found[row.person_id]) for row in flagged_lines]
    flagged.sort(key=lambda item: (-item[0].stats.spend_usd, item[0].person_id))
    flagged_count = len(flagged)
    del flagged[FLAGGED_LISTED:]  # a kept report of 85,000 people holds 15 of its thousands flagged, not all
    table = None
    if figures.with_lines <= TABLE_LIMIT:  # (every line is then among the rows)
        lines = [row.line() for row in rows]
        order = {s.person_id: i for i, s in enumerate(rank([line.stats for line in lines], settings.rank_by))}
        table = sorted(lines, key=lambda line: (order.get(line.person_id, len(order)), line.name or ""))
    return TeamReport(
        group_label=group.label,
        weeks=period,
        totals=figures.totals,
        previous=figures.previous,
        top_builders=builders,
        flagged=flagged,
        flagged_count=flagged_count,
        table=table,
        people_with_numbers=figures.with_lines,
        code_commits=code.commits,
        code_pull_requests=code.pull_requests,
        cursor_requests=code.cursor_requests,
        cursor_accepted_lines=code.cursor_accepted_lines,
        copilot_interactions=code.copilot_interactions,
        copilot_lines_added=code.copilot_lines_added,
        seat_cost_usd=code.seat_cost_usd,
        idle_seats=group_idle_seats(session, group, today, settings) if code.seats_held else [],
        idle_seat_days=settings.idle_seat_days,
    )


def kept_team_report(
    session: Session,
    group: Group,
    last_week: IsoWeek,
    weeks: int,
    settings: Settings,
    *,
    today: date,
    now: datetime,
    computed: list[Group] | None = None,
    quick_writes: Engine | None = None,
) -> TeamReport:
    """`team_report`, kept until a write changes its figures (bot/services/team_figures.py).

    `computed`: the group is appended to it when its report was computed now rather than read.
    `quick_writes`: the engine a computed report is kept through (Runtime.quick_writes_engine; None: a
    transaction of its own on the session's engine).
    """

    def compute() -> TeamReport:
        if computed is not None:
            computed.append(group)
        return team_report(session, group, last_week, weeks, settings, today=today)

    if group.key is None:
        return compute()
    report = kept_report(
        session,
        kind=group.kind,
        key=group.key,
        last_week=last_week,
        weeks=weeks,
        variant=variant(settings, today),
        members=group.members,
        compute=compute,
        now=now,
        quick_writes=quick_writes,
    )
    # The same tree is "your team" to its manager and "their team" to the people above: the label is the asker's.
    return replace(report, group_label=group.label)


@dataclass(frozen=True)
class KeptReports:
    groups: int  # every manager's tree, and the whole organisation
    computed: int  # of which were computed now (the others were still kept)
    seconds: float
    output_rebuilt: int | None = None  # person-weeks of output_weekly rebuilt first (None: it was kept)
    period_built: dict[int, int] | None = None  # people whose period figures were built first, per span (None: held)

    def summary(self) -> str:
        rebuilt = "" if self.output_rebuilt is None else f"; output_weekly rebuilt first ({self.output_rebuilt:,} rows)"
        built = (
            "" if self.period_built is None else f"; period_figures built first ({built_summary(self.period_built)})"
        )
        return (
            f"team reports kept for {self.groups:,} groups ({self.computed:,} computed, the rest still held) "
            f"in {self.seconds:.0f} s{rebuilt}{built}"
        )


def keep_team_reports(
    session_factory: sessionmaker[Session],
    settings: Settings,
    now: datetime,
    *,
    weeks: int = DEFAULT_TEAM_WEEKS,
    quick_writes: Engine | None = None,
) -> KeptReports:
    """Compute and keep the default `/buildboard team` report of every manager and of the whole organisation.

    Run after the night's writes (the daily sync raises the figures version for everyone), so that the
    morning's first answers are kept ones; a group whose report is still kept costs one lookup. Largest
    trees first: they are the slowest to compute while someone waits. One transaction per group.
    """
    started = perf_counter()
    last = IsoWeek.last_complete(now, settings.zone)
    today = now.astimezone(settings.zone).date()
    # The counted output first, rebuilt if a write forgot it (bot/db/output_weekly.py): every report below sums it.
    rebuilt = ensure_output_weekly(session_factory, settings.max_counted_artifacts)
    # Then each person's sums over the period, which the large groups' reports read (the night's sync, a write
    # about everyone, made them stale).
    built = ensure_period_figures(session_factory, last, settings, now)
    with session_factory() as session:
        managers = list(
            session.execute(
                select(OrgClosure.ancestor_id, func.count())
                .group_by(OrgClosure.ancestor_id)
                .order_by(func.count().desc(), OrgClosure.ancestor_id)
            )
        )
    # The same groups `/buildboard team` resolves (the label is the asker's, set when a kept report is read).
    groups = [*(Group.tree(manager, "", size) for manager, size in managers), Group.everyone()]
    computed: list[Group] = []
    for group in groups:
        with session_factory.begin() as session:
            kept_team_report(
                session,
                group,
                last,
                weeks,
                settings,
                today=today,
                now=now,
                computed=computed,
                quick_writes=quick_writes,
            )
    return KeptReports(len(groups), len(computed), perf_counter() - started, rebuilt, built)


def team_answer(
    session: Session,
    viewer: Viewer,
    target: Target,
    weeks: int,
    settings: Settings,
    *,
    now: datetime,
    lookup_user: UserLookup | None = None,
    quick_writes: Engine | None = None,
) -> TeamAnswer:
    """`/buildboard team`: resolve the group, check authority, aggregate, and audit who was seen.

    `quick_writes`: the engine a computed report is kept through (kept_team_report).
    """
    group, refusal = resolve_group(session, viewer, target, lookup_user)
    if refusal is not None or group is None:
        return TeamAnswer(refusal=refusal)
    last = IsoWeek.last_complete(now, settings.zone)
    today = now.astimezone(settings.zone).date()
    report = kept_team_report(session, group, last, weeks, settings, today=today, now=now, quick_writes=quick_writes)
    record_view(
        session,
        viewer_id=viewer.person_id,
        viewer_slack_user_id=viewer.slack_user_id,
        group=group.viewed,
        action="team",
        detail=f"{group.label}, {report.first}..{report.last}",
        now=now,
    )
    return TeamAnswer(report=report)


def team_answer_for(
    session: Session,
    slack_user_id: str,
    target: Target,
    weeks: int,
    settings: Settings,
    *,
    now: datetime,
    lookup_user: UserLookup | None = None,
    quick_writes: Engine | None = None,
) -> TeamAnswer | None:
    """`/buildboard team` for the Slack user who asked; None when they are neither in the people file nor an admin."""
    _, viewer = authority.caller(session, slack_user_id, settings, lookup_user)
    if viewer is None:
        return None
    return team_answer(
        session, viewer, target, weeks, settings, now=now, lookup_user=lookup_user, quick_writes=quick_writes
    )


# ------------------------------------------------------------------ one person (`/buildboard user`)


def weekly_numbers(
    session: Session, weeks: list[IsoWeek], group: Group, *, cap: int = DEFAULT_CAP
) -> dict[IsoWeek, PersonWeek]:
    """A group's numbers week by week (person_id 0 in the values: they are group totals)."""
    usage_pw = _usage_by_person_week(weeks, group).subquery("usage_pw")
    usage = dict(
        (start, (int(tokens), Decimal(spend), int(days)))
        for start, tokens, spend, days in session.execute(
            select(
                usage_pw.c.week_start,
                func.sum(usage_pw.c.tokens),
                func.sum(usage_pw.c.spend_usd),
                func.sum(usage_pw.c.active_days),
            ).group_by(usage_pw.c.week_start)
        )
    )
    made = weekly_output_totals(session, [w.start for w in weeks], group.members, cap=cap)
    numbers = {}
    for week in weeks:
        tokens, spend, days = usage.get(week.start, (0, Decimal(0), 0))
        count, units, _verified = made.get(week.start, (0, Decimal(0), Decimal(0)))
        numbers[week] = PersonWeek(0, tokens, spend, days, count, units)
    return numbers


def title_names(settings: Settings) -> dict[str, str]:
    """Title key → the name people see, from the titles file (the key, made readable, if the file is broken)."""
    try:
        return {rule.key: rule.name for rule in rules_for(settings)}
    except TitleRulesError:
        return {}


def titles_of(session: Session, person_id: int, weeks: list[IsoWeek], settings: Settings) -> list[tuple[IsoWeek, str]]:
    """Titles the person held in `weeks` as (week, name), newest first."""
    names = title_names(settings)
    rows = session.execute(
        select(Award.week_start, Award.title_key)
        .where(Award.person_id == person_id, Award.week_start.in_([w.start for w in weeks]))
        .order_by(Award.week_start.desc(), Award.title_key)
    )
    return [(IsoWeek.containing(start), names.get(key) or key.replace("_", " ").title()) for start, key in rows]


def person_answer(
    session: Session,
    viewer: Viewer,
    slack_user_id: str,
    weeks: int,
    settings: Settings,
    *,
    now: datetime,
    lookup_user: UserLookup | None = None,
) -> tuple[PersonReport | None, Refusal | None]:
    """`/buildboard user @person`: that person's weeks, artifacts, titles and flags, for their managers and admins."""
    person = person_for_slack_user(session, slack_user_id, lookup_user)
    if person is None:
        return None, Refusal("I don't know that person in Buildboard. " + _suggestions(session, viewer))
    if not authority.may_see(session, viewer, [person.id]):
        return None, Refusal(
            "I can't show that person's numbers: they don't report to you. "
            "Managers see the people below them, and everyone sees their own numbers. " + _suggestions(session, viewer)
        )
    last = IsoWeek.last_complete(now, settings.zone)
    period = weeks_ending(last, weeks)
    group = Group.person(person.id, person.name or "")
    numbers = weekly_numbers(session, period, group, cap=settings.max_counted_artifacts)
    total = PersonWeek(
        person.id,
        sum(w.tokens for w in numbers.values()),
        sum((w.spend_usd for w in numbers.values()), Decimal(0)),
        sum(w.active_days for w in numbers.values()),
        sum(w.artifacts for w in numbers.values()),
        sum((w.work_units for w in numbers.values()), Decimal(0)),
    )
    artifacts = [
        artifact_view(artifact)
        for artifact in session.scalars(
            select(Artifact)
            .where(Artifact.person_id == person.id, Artifact.week_start.in_([w.start for w in period]))
            .order_by(Artifact.week_start.desc(), Artifact.created_at.desc())
            .limit(10)
        )
    ]
    flags = flags_for_people(session, [person.id], last, settings).get(person.id, [])
    line = PersonLine(person.id, person.name, person.slack_user_id, person.team, person.in_org, person.active, total)
    record_view(
        session,
        viewer_id=viewer.person_id,
        viewer_slack_user_id=viewer.slack_user_id,
        group=group.viewed,
        action="user",
        detail=f"{period[0]}..{last}",
        now=now,
    )
    return (
        PersonReport(
            person=line,
            weeks=[(w, numbers[w]) for w in period],
            artifacts=artifacts,
            titles=titles_of(session, person.id, period, settings),
            flags=flags,
            last=last,
        ),
        None,
    )


def person_answer_for(
    session: Session,
    caller_slack_user_id: str,
    slack_user_id: str,
    weeks: int,
    settings: Settings,
    *,
    now: datetime,
    lookup_user: UserLookup | None = None,
) -> tuple[PersonReport | None, Refusal | None] | None:
    """`/buildboard user @person` for the Slack user who asked; None when they are neither known nor an admin."""
    _, viewer = authority.caller(session, caller_slack_user_id, settings, lookup_user)
    if viewer is None:
        return None
    return person_answer(session, viewer, slack_user_id, weeks, settings, now=now, lookup_user=lookup_user)


# ------------------------------------------------------------------ the team chart, week by week


def team_week_figures(
    session: Session, weeks: list[IsoWeek], group: Group, *, cap: int = DEFAULT_CAP
) -> tuple[dict[IsoWeek, WeekFigures], list[int]]:
    """The group's figures week by week, and who had usage in those weeks (two aggregate queries).

    Work units are the counted ones (bot/db/output.py), their verified part the evidence term.
    """
    usage = _usage_by_person_week(weeks, group).subquery("usage_pw")
    kept = output_kept(session, cap)
    output = counted_output([w.start for w in weeks], group.members, cap=cap, kept=kept).subquery("output_pw")
    shared = select(output.c.person_id, output.c.week_start).where(output.c.work_units > 0).subquery("with_output")
    spend_rows = session.execute(
        select(
            usage.c.week_start,
            func.coalesce(func.sum(usage.c.spend_usd), 0),
            func.count(func.distinct(usage.c.person_id)),
            func.coalesce(func.sum(case((shared.c.person_id.is_not(None), usage.c.spend_usd), else_=0)), 0),
        )
        .select_from(usage)
        .outerjoin(shared, and_(shared.c.person_id == usage.c.person_id, shared.c.week_start == usage.c.week_start))
        .group_by(usage.c.week_start)
    ).all()
    made = weekly_output_totals(session, [w.start for w in weeks], group.members, cap=cap)
    spend = {start: (Decimal(total), int(people), Decimal(evidenced)) for start, total, people, evidenced in spend_rows}
    figures = {}
    for week in weeks:
        total, people, evidenced = spend.get(week.start, (Decimal(0), 0, Decimal(0)))
        artifacts, units, verified = made.get(week.start, (0, Decimal(0), Decimal(0)))
        figures[week] = WeekFigures(total, artifacts, units, verified, people, evidenced)
    seen = list(session.scalars(select(usage.c.person_id).distinct()))
    return figures, seen
