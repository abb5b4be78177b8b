"""A group too large for a table: its figures, and the people its report shows.

`team_report` sums each person's usage and counted output in two per-person aggregates, ranks only the people
with output for its top builders (a heap of five) and builds lines only for the flagged. Checked here on a
random group of 70 (ties, people who left, weeks with spend and nothing to show, weeks whose output counts no
work units, more artifacts than the cap): every person's figures and both periods' totals against sums of the
rows as written, and the builders and the flagged against ranking every person's line.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, update

from bot.db.models import AppState, Artifact, FlagCandidate, PeriodFigures, Person, UsageDaily
from bot.db.output_weekly import STATE_KEY as OUTPUT_STATE_KEY
from bot.db.output_weekly import output_kept, rebuild_output_weekly
from bot.db.usage_weekly import rebuild_usage_weekly
from bot.domain.periods import IsoWeek, weeks_ending
from bot.domain.ranking import rank
from bot.domain.reports import FLAGGED_LISTED
from bot.domain.text import team_key
from bot.services import period_figures, team
from bot.services.flags import flags_for_people
from bot.services.period_figures import build_period_figures, built_version
from bot.services.team import (
    TABLE_LIMIT,
    TOP_BUILDERS,
    Group,
    _flag_statement,
    group_figures,
    group_flags,
    team_report,
)
from tests.conftest import NOW, make_settings
from tests.support.organisation import load_people

W47 = IsoWeek(2026, 47)
WEEKS = 4
PEOPLE = 70


@dataclass
class Written:
    """What the test wrote, per person and week: (tokens, spend) and the artifacts' work units in creation order."""

    ids: dict[str, int]
    usage: dict[tuple[int, IsoWeek], tuple[int, Decimal]] = field(default_factory=dict)
    units: dict[tuple[int, IsoWeek], list[Decimal]] = field(default_factory=lambda: defaultdict(list))
    gone: set[int] = field(default_factory=set)  # deactivated or out of the organisation

    def totals(self, weeks: list[IsoWeek], cap: int) -> dict[str, object]:
        """The period's totals summed from the rows: the slow reference."""
        members = [pid for email, pid in self.ids.items() if email != "boss@example.com"]
        active, tokens, spend, artifacts, work_units, evidenced = set(), 0, Decimal(0), 0, Decimal(0), Decimal(0)
        for pid in members:
            for week in weeks:
                used = self.usage.get((pid, week))
                counted = self.units.get((pid, week), [])[:cap]
                if used:
                    active.add(pid)
                    tokens += used[0]
                    spend += used[1]
                artifacts += len(counted)
                work_units += sum(counted, Decimal(0))
                if used and sum(counted, Decimal(0)) > 0:
                    evidenced += used[1]
        return {
            "people": len(members) - len(self.gone),
            "active_people": len(active),
            "tokens": tokens,
            "spend_usd": spend,
            "artifacts": artifacts,
            "work_units": work_units,
            "evidenced_spend_usd": evidenced,
        }

    def person(self, pid: int, weeks: list[IsoWeek], cap: int) -> tuple[int, Decimal, int, int, Decimal]:
        """One person's (tokens, spend, active days, counted artifacts, counted work units) over `weeks`."""
        used = [self.usage[pid, week] for week in weeks if (pid, week) in self.usage]
        counted = [self.units.get((pid, week), [])[:cap] for week in weeks]
        return (
            sum(t for t, _ in used),
            sum((s for _, s in used), Decimal(0)),
            len(used),
            sum(len(c) for c in counted),
            sum((sum(c, Decimal(0)) for c in counted), Decimal(0)),
        )


def _organisation(rt, tmp_path, rng: random.Random, *, extras: bool = False) -> Written:
    """`extras`: also output in weeks without AI, someone whose only numbers are in the period before and someone
    whose only numbers in the period are output (drawn apart, so the seeds of the tests without them give the
    organisations they were written for)."""
    extra = random.Random(7)
    people = tmp_path / "people.csv"
    rows = ["email,name,team,manager_email,slack_user_id,timezone", "boss@example.com,Boss,Lead,,UBOSS,"]
    rows += [f"p{i}@example.com,Person {i},Core,boss@example.com,UP{i}," for i in range(PEOPLE)]
    people.write_text("\n".join(rows) + "\n")
    load_people(rt.sessions, people)
    with rt.sessions.begin() as session:
        ids = dict(session.execute(select(Person.email, Person.id)).all())
        written = Written(ids)
        window = weeks_ending(W47, 8)  # the flags' trailing weeks, and the period before
        period = set(weeks_ending(W47, WEEKS))
        for i in range(PEOPLE):
            person_id = ids[f"p{i}@example.com"]
            for week in window:
                if extras and i == 0 and week in period:
                    continue  # someone with numbers only in the period before
                if extras and i == 1 and week in period:  # someone whose only numbers in the period are output
                    _share(session, written, person_id, week, Decimal(1), f"{i}-{week}")
                    continue
                if rng.random() < 0.2:
                    if extras and extra.random() < 0.5:  # a week without AI that still has output to count
                        _share(session, written, person_id, week, Decimal(extra.choice(("0", "1"))), f"{i}-{week}")
                    continue
                # Few distinct amounts, so that ties on work units, cost and tokens happen.
                cost = Decimal(rng.choice((0, 20, 60, 60, 300)))
                tokens = rng.choice((0, 50_000, 100_000))
                written.usage[person_id, week] = (tokens, cost)
                session.add(
                    UsageDaily(
                        person_id=person_id,
                        day=week.start + timedelta(days=rng.randrange(5)),
                        provider="openai",
                        model="gpt-4o-test",
                        input_tokens=tokens,
                        output_tokens=0,
                        cost_usd=cost,
                        cost_source="reported",
                        source="csv",
                        updated_at=NOW,
                    )
                )
                for n in range(rng.choice((0, 0, 1, 1, 2, 4))):  # four: more than the counted cap
                    units = Decimal(rng.choice(("0", "0.5", "1", "1", "2")))  # 0: output that counts no units
                    _share(session, written, person_id, week, units, f"{i}-{week}-{n}", minutes=n)
        rebuild_usage_weekly(session)
        # Builders who left, or were deactivated, are not top builders however much they made.
        gone = rng.sample(range(PEOPLE), 12)
        written.gone = {ids[f"p{i}@example.com"] for i in gone}
        session.execute(
            update(Person).where(Person.email.in_([f"p{i}@example.com" for i in gone[:6]])).values(active=False)
        )
        session.execute(
            update(Person).where(Person.email.in_([f"p{i}@example.com" for i in gone[6:]])).values(in_org=False)
        )
    return written


def _record(monkeypatch, statement: str, argument: int) -> list:
    """The `argument`-th argument of every call to team's cached statement builder `statement`, in order."""
    calls: list = []
    build = getattr(team, statement)
    monkeypatch.setattr(team, statement, lambda *args: calls.append(args[argument]) or build(*args))
    return calls


def _share(session, written: Written, person_id: int, week: IsoWeek, units: Decimal, name: str, minutes: int = 0):
    written.units[person_id, week].append(units)
    session.add(
        Artifact(
            person_id=person_id,
            week_start=week.start,
            title=f"tool {name}",
            description="a tool for the team",
            kind="tool",
            work_units=units,
            work_units_source="estimate",
            created_at=NOW + timedelta(minutes=minutes),
            updated_at=NOW + timedelta(minutes=minutes),
        )
    )


@pytest.mark.parametrize(("seed", "rank_by"), [(1, "work_units"), (2, "work_units"), (3, "spend"), (4, "tokens")])
@pytest.mark.parametrize("side_by_side_from", [0, 10**9], ids=["side by side", "by part"])
def test_a_large_groups_builders_and_flagged_are_those_of_ranking_everyone(
    rt, tmp_path, database_url, slack, monkeypatch, seed, rank_by, side_by_side_from
):
    """Side by side (a large group), the figures' statement gives only the lines that can be top builders and the
    flagged are read after it; per part (a small one), every line: the same report either way."""
    monkeypatch.setattr(team, "SIDE_BY_SIDE_FROM", side_by_side_from)
    written = _organisation(rt, tmp_path, random.Random(seed))
    ids = written.ids
    settings = make_settings(database_url, slack, rank_by=rank_by, nudge_min_spend_usd="50")
    group = Group.tree(ids["boss@example.com"], "your team")
    period, before = weeks_ending(W47, WEEKS), weeks_ending(W47.previous(WEEKS), WEEKS)
    with rt.sessions() as session:
        report = team_report(session, group, W47, WEEKS, settings)
        # The slow reference: every person's line, everyone ranked, everyone's flags.
        lines = [row.line() for row in group_figures(session, period, before, group, cap=3).rows]
        members = [pid for email, pid in ids.items() if email != "boss@example.com"]
        flags = flags_for_people(session, members, W47, settings, idle_seat_flags=False)
    assert len(lines) > TABLE_LIMIT and report.table is None, "the group is too large for a table"
    # The figures: each person's, and both periods' totals, as the rows written add up.
    cap = settings.max_counted_artifacts
    for line in lines:
        assert tuple(line.stats)[1:6] == written.person(line.person_id, period, cap), line.name
    assert {line.person_id for line in lines} == {
        pid for pid in written.ids.values() if any(written.person(pid, period, cap))
    }
    assert vars(report.totals) == written.totals(period, cap)
    assert vars(report.previous) == written.totals(before, cap)
    by_id = {line.person_id: line for line in lines}
    ranked = [by_id[stats.person_id] for stats in rank([line.stats for line in lines], settings.rank_by)]
    builders = [line for line in ranked if line.stats.artifacts > 0 and line.in_org and line.active]
    flagged = [(line, flags[line.person_id]) for line in lines if flags.get(line.person_id) and line.stats.tokens > 0]
    flagged.sort(key=lambda item: (-item[0].stats.spend_usd, item[0].person_id))

    assert report.top_builders == builders[:TOP_BUILDERS]
    assert report.flagged == flagged[:FLAGGED_LISTED] and report.flagged_count == len(flagged)
    assert report.people_with_numbers == len(lines)
    # The comparison says something: a full list of builders, someone flagged, people who left with output.
    assert len(builders) > TOP_BUILDERS and flagged
    assert any(line.stats.artifacts > 0 and not (line.in_org and line.active) for line in ranked[: TOP_BUILDERS * 2])


def test_a_groups_flags_are_read_with_statements_built_once_for_its_kind(rt, tmp_path, database_url, slack):
    """group_flags' read is built once per window and kind of group, and run with each group's parameters: a
    person's flags read with the statement first built for another person are their own."""
    written = _organisation(rt, tmp_path, random.Random(5))
    settings = make_settings(database_url, slack, nudge_min_spend_usd="50")
    members = [pid for email, pid in written.ids.items() if email != "boss@example.com"]
    with rt.sessions() as session:
        everyone = flags_for_people(session, members, W47, settings, idle_seat_flags=False)
        first, *_, last = sorted(everyone)  # two people with flags: the comparison says something
        _flag_statement.cache_clear()
        theirs = group_flags(session, Group.person(first, "first"), W47, settings)
        hits = _flag_statement.cache_info().hits
        reused = group_flags(session, Group.person(last, "last"), W47, settings)
        assert _flag_statement.cache_info().hits == hits + 1, "the statement built for the first was reused"
        tree = group_flags(session, Group.tree(written.ids["boss@example.com"], "your team"), W47, settings)
    assert theirs == {first: everyone[first]} and reused == {last: everyone[last]}
    assert tree == everyone


@pytest.mark.parametrize("output", ["computed", "kept in output_weekly"])
@pytest.mark.parametrize("side_by_side_from", [0, 10**9], ids=["side by side", "by part"])
def test_every_kind_of_group_adds_up_to_the_rows_written(
    rt, tmp_path, database_url, slack, monkeypatch, output, side_by_side_from
):
    """group_figures for a manager's tree, a team, the whole organisation and one person, with the counted output
    computed from scratch or read from output_weekly, in both of its statements (a large group's and a small
    one's: SIDE_BY_SIDE_FROM): each person's figures and both periods' totals (headcount, active people,
    evidenced spend) as the rows written add up, including people whose only numbers are output in weeks without
    AI, or usage in the period before, and a group where nobody has numbers."""
    monkeypatch.setattr(team, "SIDE_BY_SIDE_FROM", side_by_side_from)
    chosen = _record(monkeypatch, "_period_statement", 5)  # side by side
    written = _organisation(rt, tmp_path, random.Random(6), extras=True)
    settings = make_settings(database_url, slack)
    cap = settings.max_counted_artifacts
    rebuild_output_weekly(rt.sessions, cap)
    ids = written.ids
    boss = ids["boss@example.com"]
    period, before = weeks_ending(W47, WEEKS), weeks_ending(W47.previous(WEEKS), WEEKS)
    with rt.sessions() as session:  # (rolled back at its end)
        if output == "computed":  # read as if output_weekly were not kept
            session.execute(delete(AppState).where(AppState.key == OUTPUT_STATE_KEY))
        assert output_kept(session, cap) == (output != "computed")
        groups = [Group.tree(boss, "your team"), Group.team(team_key("Core") or "", "Core"), Group.everyone()]
        _figures_match(session, written, groups, cap)
        alone = group_figures(session, period, before, Group.person(boss, "Boss"), cap=cap)
    # The whole organisation is always summed side by side, one person never; the other groups by their size.
    by_size = side_by_side_from == 0
    assert chosen == [by_size, by_size, True, False], chosen
    nothing = {"people": 1, "active_people": 0, "tokens": 0, "spend_usd": 0, "artifacts": 0, "work_units": 0}
    assert alone.rows == [] and vars(alone.totals) == vars(alone.previous) == {**nothing, "evidenced_spend_usd": 0}
    # The comparison says something: output without usage, someone with numbers only before the period.
    assert any(week_units and (pid, week) not in written.usage for (pid, week), week_units in written.units.items())
    first, second = ids["p0@example.com"], ids["p1@example.com"]
    assert not any(written.person(first, period, cap)) and any(written.person(first, before, cap))
    assert written.person(second, period, cap)[:3] == (0, 0, 0) and written.person(second, period, cap)[3] > 0


def _figures_match(session, written: Written, groups: list[Group], cap: int) -> None:
    """Each group's figures, every line and both periods' totals, as the rows written add up."""
    period, before = weeks_ending(W47, WEEKS), weeks_ending(W47.previous(WEEKS), WEEKS)
    boss = written.ids["boss@example.com"]
    for group in groups:
        figures = group_figures(session, period, before, group, cap=cap)
        headcount = 1 if group.kind == "everyone" else 0  # the boss: in the organisation, in no team of theirs
        for totals, weeks in ((figures.totals, period), (figures.previous, before)):
            expected = written.totals(weeks, cap)
            assert vars(totals) == {**expected, "people": expected["people"] + headcount}, group.kind
        assert {row.person_id: tuple(row.stats())[1:6] for row in figures.rows} == {
            pid: written.person(pid, period, cap)
            for pid in written.ids.values()
            if pid != boss and any(written.person(pid, period, cap))
        }, group.kind


@pytest.mark.parametrize("output", ["computed", "kept in output_weekly"])
def test_a_large_groups_kept_sums_hold_through_the_days_writes(rt, tmp_path, database_url, slack, monkeypatch, output):
    """A large group's figures read each person's sums kept in period_figures, and sum again from their weeks
    the people written about one by one since (an artifact shared, edited, deleted): the figures are those of
    the rows as written. A write about everyone makes the kept sums unread until they are built again; a build
    committed between the check and the statement makes the statement sum everyone again."""
    monkeypatch.setattr(team, "SIDE_BY_SIDE_FROM", 0)
    read_kept = _record(monkeypatch, "_period_statement", 6)  # from the kept sums
    written = _organisation(rt, tmp_path, random.Random(8), extras=True)
    settings = make_settings(database_url, slack)
    cap = settings.max_counted_artifacts
    rebuild_output_weekly(rt.sessions, cap)
    if output == "computed":  # read as if output_weekly were not kept, when built and when read
        with rt.sessions.begin() as session:
            session.execute(delete(AppState).where(AppState.key == OUTPUT_STATE_KEY))
    ids = written.ids
    groups = [Group.tree(ids["boss@example.com"], "your team"), Group.team(team_key("Core") or "", "Core")]
    groups.append(Group.everyone())
    people = build_period_figures(rt.sessions, W47, settings, NOW, spans=(WEEKS,))
    assert people == {WEEKS: len({pid for (pid, _week) in [*written.usage, *written.units]})}
    # The day's writes, each about one person: a share, an edit, a deletion.
    period = weeks_ending(W47, WEEKS)
    sharer, editor, deleter = (ids[f"p{i}@example.com"] for i in (2, 3, 4))
    with rt.sessions.begin() as session:
        _share(session, written, sharer, W47, Decimal(3), "new", minutes=30)
    with rt.sessions.begin() as session:
        edited = session.scalars(
            select(Artifact).where(Artifact.person_id == editor, Artifact.week_start.in_([w.start for w in period]))
        ).first()
        assert edited is not None
        week = IsoWeek.containing(edited.week_start)
        place = written.units[editor, week].index(edited.work_units)
        edited.work_units = Decimal(5)
        written.units[editor, week][place] = Decimal(5)
    with rt.sessions.begin() as session:
        gone = session.scalars(
            select(Artifact)
            .where(Artifact.person_id == deleter, Artifact.week_start.in_([w.start for w in period]))
            .order_by(Artifact.created_at.desc(), Artifact.id.desc())
        ).first()
        assert gone is not None
        week = IsoWeek.containing(gone.week_start)
        assert written.units[deleter, week].pop() == gone.work_units
        session.delete(gone)
    with rt.sessions() as session:
        built = built_version(session, W47.start, WEEKS, cap)
        assert built is not None, "writes about one person each leave the kept sums readable"
        _figures_match(session, written, groups, cap)
    assert read_kept == [True] * 3
    # The kept rows are what was read for everyone else: a row changed by hand shows in the figures.
    untouched = ids["p5@example.com"]
    with rt.sessions.begin() as session:
        session.execute(
            update(PeriodFigures)
            .where(PeriodFigures.person_id == untouched)
            .values(tokens_1=PeriodFigures.tokens_1 + 1)
        )
    with rt.sessions() as session:
        rows = group_figures(session, period, weeks_ending(W47.previous(WEEKS), WEEKS), groups[2], cap=cap).rows
        assert [r.tokens for r in rows if r.person_id == untouched] == [written.person(untouched, period, cap)[0] + 1]
    # A write about everyone: the kept sums are not read (the changed row with them) until built again.
    with rt.sessions.begin() as session:
        session.execute(update(Person).where(Person.id == untouched).values(name="Renamed"))
    read_kept.clear()
    with rt.sessions() as session:
        assert built_version(session, W47.start, WEEKS, cap) is None
        _figures_match(session, written, groups, cap)
    assert read_kept == [False] * 3
    build_period_figures(rt.sessions, W47, settings, NOW, spans=(WEEKS,))
    read_kept.clear()
    with rt.sessions() as session:
        _figures_match(session, written, groups, cap)
    assert read_kept == [True] * 3
    # A build committed after the check replaced the sums it named (another process, at the week's turn, built
    # the next period's): the statement sees that build gone and the figures are summed from everyone's weeks.
    with rt.sessions() as session:
        checked = built_version(session, W47.start, WEEKS, cap)
    build_period_figures(rt.sessions, W47.next(), settings, NOW, spans=(WEEKS,))
    monkeypatch.setattr(team, "built_version", lambda *_args: checked)
    read_kept.clear()
    with rt.sessions() as session:
        _figures_match(session, written, groups, cap)
    assert read_kept == [True, False] * 3


@pytest.mark.parametrize("side_by_side_from", [0, 10**9], ids=["side by side", "by part"])
def test_only_people_who_used_ai_in_the_period_are_flagged(
    rt, tmp_path, database_url, slack, monkeypatch, side_by_side_from
):
    """Flags look at trailing weeks beyond a one-week period: someone flagged for spend before it who used no AI in
    the period is not among the report's flagged, whether the lines were all read (per part) or read for the
    flagged after the builders' (side by side)."""
    monkeypatch.setattr(team, "SIDE_BY_SIDE_FROM", side_by_side_from)
    written = _organisation(rt, tmp_path, random.Random(6), extras=True)
    settings = make_settings(database_url, slack, nudge_min_spend_usd="50")
    group = Group.tree(written.ids["boss@example.com"], "your team")
    period = [W47]
    cap = settings.max_counted_artifacts
    members = [pid for email, pid in written.ids.items() if email != "boss@example.com"]
    with rt.sessions() as session:
        report = team_report(session, group, W47, 1, settings)
        flags = flags_for_people(session, members, W47, settings, idle_seat_flags=False)
    used = {pid for pid in members if written.person(pid, period, cap)[0] > 0}
    assert {pid for pid in flags if flags[pid]} - used, "someone is flagged for weeks before the period only"
    expected = sorted(
        (pid for pid in used if flags.get(pid)), key=lambda pid: (-written.person(pid, period, cap)[1], pid)
    )
    assert [line.person_id for line, _ in report.flagged] == expected[:FLAGGED_LISTED]
    assert report.flagged_count == len(expected) > 0 and report.table is None  # (more lines than a table)
    assert all(found == flags[line.person_id] for line, found in report.flagged)


def test_a_large_groups_flags_read_the_kept_flag_candidates(rt, tmp_path, database_url, slack, monkeypatch):
    """Built with the period figures, the people whose spend might earn a flag are read instead of chosen from
    everyone's weeks: each group's flags are those of the rules over everyone, after a share too (which the rules
    read live). Other flag settings, or a build committed after the check, and they are chosen again."""
    kept_read = _record(monkeypatch, "_flag_statement", 5)  # from the kept candidates
    written = _organisation(rt, tmp_path, random.Random(9), extras=True)
    settings = make_settings(database_url, slack, nudge_min_spend_usd="50")
    rebuild_output_weekly(rt.sessions, settings.max_counted_artifacts)
    ids = written.ids
    members = [pid for email, pid in ids.items() if email != "boss@example.com"]
    groups = [Group.tree(ids["boss@example.com"], "your team"), Group.team(team_key("Core") or "", "Core")]
    groups.append(Group.everyone())
    build_period_figures(rt.sessions, W47, settings, NOW, spans=(WEEKS,))

    def flags_match(settings, groups=groups) -> dict:
        with rt.sessions() as session:
            expected = flags_for_people(session, members, W47, settings, idle_seat_flags=False)
            for group in groups:
                mine = expected if group.kind != "person" else {p: f for p, f in expected.items() if p == group.root_id}
                assert group_flags(session, group, W47, settings) == mine, group.kind
        return expected

    flagged = flags_match(settings)
    assert kept_read == [True] * 3 and len(flagged) > 2
    # One person's group reads the kept candidates too, and sees only their own flags.
    kept_read.clear()
    someone = max(flagged)
    assert flags_match(settings, [Group.person(someone, "them")]) and kept_read == [True]
    # The kept rows are what was read: without one of them, its person is not flagged.
    first = min(pid for pid, flags in flagged.items() if [flag.kind for flag in flags] == ["unexplained_spend"])
    with rt.sessions.begin() as session:
        session.execute(delete(FlagCandidate).where(FlagCandidate.person_id == first))
        assert first not in group_flags(session, Group.everyone(), W47, settings)
    build_period_figures(rt.sessions, W47, settings, NOW, spans=(WEEKS,))
    # A share explains their spend that week: a write about one person, the candidates still read.
    with rt.sessions.begin() as session:
        _share(session, written, first, W47, Decimal(1), "explains", minutes=50)
    kept_read.clear()
    assert first not in flags_match(settings)
    assert kept_read == [True] * 3
    # Other flag settings: the candidates were chosen for others, and are chosen again (unexplained spend over two
    # weeks instead of three flags more people: the kept candidates would miss them).
    kept_read.clear()
    two_weeks = make_settings(database_url, slack, nudge_min_spend_usd="50", unexplained_weeks=2)
    assert flags_match(two_weeks).keys() > flagged.keys() - {first}
    assert kept_read == [False] * 3
    # A build committed after the check (the next week's, elsewhere): the statement sees it and chooses again.
    with rt.sessions() as session:
        checked = period_figures.candidates_version(session, W47.start, settings)
    assert checked is not None
    build_period_figures(rt.sessions, W47.next(), settings, NOW, spans=(WEEKS,))
    monkeypatch.setattr(team, "candidates_version", lambda *_args: checked)
    kept_read.clear()
    flags_match(settings)
    assert kept_read == [True, False] * 3


def test_a_large_groups_flagged_lines_come_from_the_kept_sums_it_read(rt, tmp_path, database_url, slack, monkeypatch):
    """The flagged people's lines are read from the kept sums the figures came from, or summed from their weeks
    when those were replaced since: the same lines either way, only for people who used AI in the period."""
    monkeypatch.setattr(team, "SIDE_BY_SIDE_FROM", 0)
    kept_read = _record(monkeypatch, "_flagged_statement", 4)  # from the kept sums
    written = _organisation(rt, tmp_path, random.Random(6), extras=True)
    settings = make_settings(database_url, slack, nudge_min_spend_usd="50")
    cap = settings.max_counted_artifacts
    build_period_figures(rt.sessions, W47, settings, NOW, spans=(1,))
    group = Group.tree(written.ids["boss@example.com"], "your team")
    everyone = set(written.ids.values())
    with rt.sessions() as session:
        figures = group_figures(session, [W47], [W47.previous()], group, cap=cap, builders_by="work_units")
        assert figures.built is not None and not figures.every_line
        from_kept = figures.lines_of(session, everyone, cap)
        summed = replace(figures, built=None).lines_of(session, everyone, cap)
    assert kept_read == [True, False]
    assert from_kept == summed and len(summed) > 10
    assert {line.person_id for line in summed} == {pid for pid in everyone if written.person(pid, [W47], cap)[0] > 0}
    build_period_figures(rt.sessions, W47.next(), settings, NOW, spans=(1,))  # replaces the sums it read
    kept_read.clear()
    with rt.sessions() as session:
        assert figures.lines_of(session, everyone, cap) == summed
    assert kept_read == [True, False]
