"""Kept team reports (bot/services/team_figures.py) equal freshly computed ones, and a write makes them stale.

Random organisations go through moves, departures, erasure, a new usage import, new, edited and deleted
artifacts, endorsements and reasons given for spend; after each, every manager's kept answer must equal
both the report computed from scratch and a slow reference computed in Python from the raw rows. The
writes about some people (artifacts, endorsements, reasons) leave the reports of other groups kept.
"""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select, update

import bot.services.team as team_module
import bot.services.team_figures as team_figures_module
from bot.db.engine import make_quick_writes_engine
from bot.db.models import (
    Artifact,
    Endorsement,
    FiguresChange,
    FiguresVersion,
    Nudge,
    PeriodFigures,
    Person,
    TeamFigures,
    UsageDaily,
)
from bot.domain.artifacts import ShareFields
from bot.domain.command_args import DEFAULT_TEAM_WEEKS, Target
from bot.domain.evidence import MAX_ENDORSEMENT_UNITS, UNITS_PER_ENDORSER
from bot.domain.periods import IsoWeek, weeks_ending
from bot.domain.reports import TeamReport
from bot.ingest.prices import PriceTable
from bot.ingest.records import UsageRecord
from bot.ingest.store import write_usage
from bot.services.artifacts import create_artifact, delete_artifact, edit_artifact
from bot.services.authority import Viewer
from bot.services.endorsements import endorse
from bot.services.erasure import erase
from bot.services.period_figures import KEPT_SPANS, built_summary
from bot.services.sharing import share
from bot.services.team import Group, group_figures, keep_team_reports, team_answer, team_report
from tests.conftest import NOW, make_settings

WEEKS = 4
LAST = IsoWeek.last_complete(NOW, make_settings("sqlite://").zone)
PERIOD = weeks_ending(LAST, WEEKS)
BEFORE = weeks_ending(LAST.previous(WEEKS), WEEKS)
FIRST_DAY = weeks_ending(LAST, 2 * WEEKS)[0].start


@pytest.fixture
def settings(database_url, slack):
    return make_settings(database_url, slack, admins=("admin@example.com",))


@pytest.fixture
def quick_writes(database_url, sessions):  # `sessions`: the tables are emptied after the test
    """The engine `buildboard serve` and the nightly job keep computed reports through."""
    quick = make_quick_writes_engine(database_url)
    yield quick
    quick.dispose()


@pytest.fixture(params=[False, True], ids=["own-transaction", "quick-writes"])
def keep_through(request, quick_writes):
    """Both ways a computed report is kept: a transaction of its own on the session's engine, or quick writes."""
    return quick_writes if request.param else None


@pytest.fixture
def computed(monkeypatch):
    """How many times a team report was computed from scratch (not read from a kept one)."""
    calls: list[str] = []
    real = team_module.team_report

    def counting(session, group, *args, **kwargs):
        calls.append(group.label)
        return real(session, group, *args, **kwargs)

    monkeypatch.setattr(team_module, "team_report", counting)
    return calls


def _usage(rng: random.Random, emails: list[str], rows: int) -> list[UsageRecord]:
    seen, records = set(), []
    for _ in range(rows):
        day = FIRST_DAY + timedelta(days=rng.randrange(8 * WEEKS * 7 // 1))
        email = rng.choice(emails)
        if (day, email) in seen or day > LAST.end:
            continue
        seen.add((day, email))
        tokens = rng.randrange(1_000, 50_000)
        records.append(
            UsageRecord(
                day, email, "openai", "gpt-4o", tokens, tokens // 10, cost_usd=Decimal(rng.randrange(1, 900)) / 10
            )
        )
    return records


def _write_usage(session, records):
    write_usage(session, records, prices=PriceTable.load(), source="csv", now=NOW)


def _grow(sessions, rng: random.Random, size: int) -> list[int]:
    with sessions.begin() as session:
        ids: list[int] = []
        for i in range(size):
            manager = rng.choice(ids[: max(1, len(ids) // 2)]) if ids else None
            person = Person(
                email=f"p{i}@example.com",
                name=f"Person {i}",
                team=rng.choice(["Red", "Blue"]),
                manager_id=manager,
                slack_user_id=f"U{i}",
                created_at=NOW,
                updated_at=NOW,
            )
            session.add(person)
            session.flush()
            ids.append(person.id)
        _write_usage(session, _usage(rng, [f"p{i}@example.com" for i in range(size)], size * 12))
    for _ in range(size // 2):
        _share(sessions, rng, rng.choice(ids))
    return ids


def _share(sessions, rng: random.Random, person_id: int) -> None:
    with sessions.begin() as session:
        person = session.get(Person, person_id)
        week = rng.choice(weeks_ending(LAST, 2 * WEEKS))
        fields = ShareFields(f"Tool {rng.random():.6f}", None, "A tool for the team to use", "tool", None, False)
        create_artifact(session, person, week, fields, NOW + timedelta(minutes=rng.randrange(1000)))


def _edit(session, rng: random.Random) -> Artifact:
    """The owner gives an artifact a link, which raises its work units from the unlinked 0.5."""
    artifact = rng.choice(session.scalars(select(Artifact).order_by(Artifact.id)).all())
    fields = ShareFields(
        artifact.title, f"https://github.com/acme/tool/pull/{artifact.id}", "Now linked", "tool", 6, False
    )
    return edit_artifact(session, session.get(Person, artifact.person_id), artifact.id, fields, NOW)


def _endorse(sessions, settings, computed, rng: random.Random, endorser_id: int) -> None:
    """The endorser says "I use this" of someone's artifact during the last week (it counts in the author's).

    The artifact is given a link first, in a transaction of its own, and every report is asked for again:
    then the endorsement alone is what must make the author's groups' reports stale.
    """
    with sessions.begin() as session:
        artifact_id = _edit(session, rng).id
    _check_every_manager(sessions, settings, computed)
    during = datetime.combine(LAST.start + timedelta(days=2), time(12), tzinfo=UTC)
    with sessions.begin() as session:
        slack_id = session.get(Person, endorser_id).slack_user_id
        endorse(session, artifact_id, slack_id, during, make_settings("sqlite://").zone)


def _reason(session, rng: random.Random, person: Person) -> None:
    """The person answers their nudge for a week of the period with "nothing to show yet": no spend flag."""
    week = rng.choice(PERIOD)
    nudge = session.scalars(select(Nudge).where(Nudge.person_id == person.id, Nudge.week_start == week.start)).first()
    if nudge is None:
        nudge = Nudge(
            person_id=person.id, week_start=week.start, status="sent", tokens=0, spend_usd=Decimal(0), created_at=NOW
        )
        session.add(nudge)
        session.flush()
    nudge.status, nudge.reason, nudge.answered_at = "nothing_to_show", "exploring", NOW


def _below(people: dict[int, int | None], manager: int) -> set[int]:
    """Everyone whose chain of managers reaches `manager`, walked one person at a time."""
    found = set()
    for pid in people:
        seen, above = set(), people[pid]
        while above is not None and above not in seen:
            if above == manager:
                found.add(pid)
                break
            seen.add(above)
            above = people[above]
    return found


def _reference(session, manager: int, cap: int, weeks=PERIOD) -> dict:
    """The totals of `weeks` and who was seen, from the raw rows, in Python."""
    people = {p.id: p for p in session.scalars(select(Person))}
    members = _below({pid: p.manager_id for pid, p in people.items()}, manager)
    starts = {w.start for w in weeks}
    spend: dict[tuple[int, date], Decimal] = defaultdict(Decimal)
    tokens = 0
    for row in session.scalars(select(UsageDaily).where(UsageDaily.person_id.in_(members))):
        monday = IsoWeek.containing(row.day).start
        if monday in starts and row.cost_source != "seat":
            spend[(row.person_id, monday)] += Decimal(row.cost_usd)
            tokens += row.input_tokens + row.output_tokens
    by_week: dict[tuple[int, date], list[Artifact]] = defaultdict(list)
    for artifact in session.scalars(select(Artifact).where(Artifact.person_id.in_(members))):
        if artifact.week_start in starts:
            by_week[(artifact.person_id, artifact.week_start)].append(artifact)
    units: dict[tuple[int, date], Decimal] = {}
    artifacts = 0
    for key, shared in by_week.items():
        counted = sorted(shared, key=lambda a: (a.created_at, a.id))[:cap]
        artifacts += len(counted)
        units[key] = sum((Decimal(a.work_units) for a in counted), Decimal(0))
    # Endorsements: distinct endorsers of the author's artifacts in a week, so many units each, capped.
    endorsers: dict[tuple[int, date], set[int]] = defaultdict(set)
    for endorsement in session.scalars(select(Endorsement).where(Endorsement.author_id.in_(members))):
        if endorsement.week_start in starts:
            endorsers[(endorsement.author_id, endorsement.week_start)].add(endorsement.endorser_id)
    for key, who in endorsers.items():
        units[key] = units.get(key, Decimal(0)) + min(len(who) * UNITS_PER_ENDORSER, MAX_ENDORSEMENT_UNITS)
    return {
        "people": sum(1 for pid in members if people[pid].in_org and people[pid].active),
        "active_people": len({pid for pid, _ in spend}),
        "tokens": tokens,
        "spend_usd": sum(spend.values(), Decimal(0)),
        "artifacts": artifacts,
        "work_units": sum(units.values(), Decimal(0)),
        "evidenced_spend_usd": sum((v for k, v in spend.items() if units.get(k, 0) > 0), Decimal(0)),
        "seen": {pid for pid, _ in spend} | {pid for pid, _ in by_week} | {pid for pid, _ in endorsers},
    }


def _managers(session) -> list[int]:
    return sorted(set(session.scalars(select(Person.manager_id).where(Person.manager_id.is_not(None)))))


def _check_every_manager(sessions, settings, computed) -> None:
    with sessions.begin() as session:
        managers = _managers(session)
    for manager in managers:
        with sessions.begin() as session:
            first = team_answer(session, Viewer(manager, False), Target(), WEEKS, settings, now=NOW).report
        calls = len(computed)
        with sessions.begin() as session:
            kept = team_answer(session, Viewer(manager, False), Target(), WEEKS, settings, now=NOW).report
            assert len(computed) == calls, "an identical second command with no write between is not recomputed"
            group = Group.tree(manager, first.group_label)
            fresh = team_report(session, group, LAST, WEEKS, settings, today=NOW.date())
            reference = _reference(session, manager, settings.max_counted_artifacts)
            before = _reference(session, manager, settings.max_counted_artifacts, BEFORE)
            before.pop("seen")
            figures = group_figures(session, PERIOD, BEFORE, group, cap=settings.max_counted_artifacts)
            seen = {row.person_id for row in figures.rows}
        assert kept == fresh == first
        assert seen == reference.pop("seen") and kept.people_with_numbers == len(seen)
        if kept.table is not None:
            assert {line.person_id for line in kept.table} == seen
        for totals, expected in ((kept.totals, reference), (kept.previous, before)):
            assert {
                "people": totals.people,
                "active_people": totals.active_people,
                "tokens": totals.tokens,
                "spend_usd": totals.spend_usd,
                "artifacts": totals.artifacts,
                "work_units": totals.work_units,
                "evidenced_spend_usd": totals.evidenced_spend_usd,
            } == expected


def _descendants(session, manager: int) -> set[int]:
    return _below({p.id: p.manager_id for p in session.scalars(select(Person))}, manager)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kept_answers_equal_fresh_ones_through_every_kind_of_write(sessions, settings, computed, seed):
    rng = random.Random(seed)
    ids = _grow(sessions, rng, 40)
    _check_every_manager(sessions, settings, computed)
    writes = ["move", "departure", "erasure", "usage", "artifact", "delete_artifact", "move", "usage"]
    writes += ["endorse", "edit_artifact", "reason", "artifact", "endorse"]
    rng.shuffle(writes)
    for write in writes:
        with sessions.begin() as session:
            person = session.get(Person, rng.choice(ids[1:]))
            if write == "move":
                below = _descendants(session, person.id)
                person.manager_id = rng.choice([pid for pid in ids if pid != person.id and pid not in below])
            elif write == "departure":
                person.in_org, person.active = False, False
            elif write == "erasure":
                erase(session, person, now=NOW)
            elif write == "usage":
                _write_usage(session, _usage(rng, [p.email for p in session.scalars(select(Person))], 30))
            elif write == "delete_artifact":
                artifact = session.scalars(select(Artifact).order_by(Artifact.id)).first()
                delete_artifact(session, session.get(Person, artifact.person_id), artifact.id)
            elif write == "edit_artifact":
                _edit(session, rng)
            elif write == "reason":
                _reason(session, rng, person)
        if write == "artifact":
            _share(sessions, rng, person.id)
        elif write == "endorse":
            _endorse(sessions, settings, computed, rng, person.id)
        _check_every_manager(sessions, settings, computed)


def test_a_write_between_two_identical_commands_changes_the_second_answer(sessions, settings, computed):
    rng = random.Random(9)
    ids = _grow(sessions, rng, 12)
    root = ids[0]
    with sessions.begin() as session:
        before = team_answer(session, Viewer(root, False), Target(), WEEKS, settings, now=NOW).report
        kept_version = session.scalar(select(TeamFigures.figures_version))
    member = ids[-1]
    with sessions.begin() as session:
        email = session.get(Person, member).email
        _write_usage(
            session, [UsageRecord(LAST.start, email, "openai", "gpt-4o-mini", 7_000, 700, cost_usd=Decimal("12.5"))]
        )
    computed.clear()
    with sessions.begin() as session:
        after = team_answer(session, Viewer(root, False), Target(), WEEKS, settings, now=NOW).report
        assert session.scalar(select(TeamFigures.figures_version)) > kept_version
    assert computed, "the write made the kept report stale"
    assert after.totals.tokens == before.totals.tokens + 7_700
    assert after.totals.spend_usd == before.totals.spend_usd + Decimal("12.5")


def test_writes_that_cannot_change_figures_keep_the_report(sessions, settings, computed):
    """Answering itself writes audit rows: the next identical command is still answered from the kept report."""
    ids = _grow(sessions, random.Random(5), 10)
    for _ in range(3):
        with sessions.begin() as session:
            team_answer(session, Viewer(ids[0], False), Target(), WEEKS, settings, now=NOW)
    assert len(computed) == 1


def test_managers_asking_at_once_compute_the_report_once(sessions, settings, computed, keep_through):
    ids = _grow(sessions, random.Random(11), 15)

    def ask(_):
        with sessions.begin() as session:
            viewer = Viewer(ids[0], False)
            return team_answer(session, viewer, Target(), WEEKS, settings, now=NOW, quick_writes=keep_through).report

    with ThreadPoolExecutor(6) as pool:
        reports = list(pool.map(ask, range(12)))
    assert len(computed) == 1
    assert all(report == reports[0] for report in reports)


def test_a_report_kept_between_a_managers_lookup_and_their_lock_is_not_computed_again(
    sessions, settings, computed, keep_through, monkeypatch
):
    """The other asker computed, kept and let go of the lock after this one looked and before it took the lock (the
    lock was free, so it did not wait): it still reads the kept report."""
    ids = _grow(sessions, random.Random(11), 15)
    looked, other_answered = threading.Event(), threading.Event()
    real_lookup = team_figures_module._lookup
    late = threading.current_thread()

    def lookup(*args, **kwargs):
        found = real_lookup(*args, **kwargs)
        if threading.current_thread() is late and not looked.is_set():
            looked.set()
            assert other_answered.wait(30)
        return found

    monkeypatch.setattr(team_figures_module, "_lookup", lookup)

    def ask():
        with sessions.begin() as session:
            viewer = Viewer(ids[0], False)
            return team_answer(session, viewer, Target(), WEEKS, settings, now=NOW, quick_writes=keep_through).report

    def ask_after_the_late_lookup():
        assert looked.wait(30)
        try:
            return ask()
        finally:
            other_answered.set()

    with ThreadPoolExecutor(1) as pool:
        other = pool.submit(ask_after_the_late_lookup)
        late_report = ask()
        assert other.result() == late_report
    assert len(computed) == 1


def test_forgetting_someone_drops_every_kept_report_and_stale_ones_go_as_new_ones_are_kept(sessions, settings):
    """A kept report holds its people's names and numbers: erasure must not leave them in team_figures."""
    ids = _grow(sessions, random.Random(13), 12)
    root, member = ids[0], ids[-1]
    with sessions.begin() as session:
        team_answer(session, Viewer(root, False), Target(), WEEKS, settings, now=NOW)
        team_answer(session, Viewer(ids[1], False), Target(), WEEKS, settings, now=NOW)
    with sessions.begin() as session:  # a write: both kept reports are stale now
        email = session.get(Person, member).email
        _write_usage(session, [UsageRecord(LAST.start, email, "openai", "gpt-4o", 5_000, 500, cost_usd=Decimal(3))])
    with sessions.begin() as session:
        team_answer(session, Viewer(root, False), Target(), WEEKS, settings, now=NOW)
        kept = session.execute(select(TeamFigures.group_key, TeamFigures.report)).all()
        assert [key for key, _ in kept] == [str(root)]  # the stale entries went with the write
        name = session.get(Person, member).name
        assert name in kept[0][1]
    with sessions.begin() as session:
        erase(session, session.get(Person, member), now=NOW)
    with sessions.begin() as session:
        assert session.scalar(select(func.count()).select_from(TeamFigures)) == 0


def test_stale_reports_go_with_the_write_about_everyone_not_with_the_reports_kept(sessions, settings, engine):
    """A write about everyone deletes, in its own commit, the kept reports it made stale; keeping a report deletes
    nothing; a write about some people (a share) leaves the kept reports to be judged when they are read."""
    ids = _grow(sessions, random.Random(17), 16)
    with sessions() as session:
        managers = _managers(session)
    assert len(managers) >= 3, "three reports to keep after each write"
    deletes: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("DELETE FROM team_figures"):
            deletes.append(statement)

    def keep_all() -> None:
        for manager in managers:
            with sessions.begin() as session:
                team_answer(session, Viewer(manager, False), Target(), WEEKS, settings, now=NOW)

    def kept() -> list[int]:
        with sessions() as session:
            return list(session.scalars(select(TeamFigures.figures_version)))

    def write_about_everyone(cost: int) -> None:
        with sessions.begin() as session:
            email = session.get(Person, ids[-1]).email
            _write_usage(
                session, [UsageRecord(LAST.start, email, "openai", "gpt-4o", 5_000, 500, cost_usd=Decimal(cost))]
            )

    event.listen(engine, "before_cursor_execute", record)
    try:
        keep_all()
        assert len(kept()) == len(managers)
        for cost in (3, 4):
            write_about_everyone(cost)
            assert kept() == [], "every kept report was stale: the write took them with it"
            keep_all()
            with sessions() as session:
                everyone = session.get(FiguresVersion, 1).everyone_version
            assert len(kept()) == len(managers) and min(kept()) >= everyone
        _share(sessions, random.Random(3), ids[-1])  # a write about one person
        assert len(kept()) == len(managers), "a share makes some reports stale, read as such; none is deleted"
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert deletes == [], "keeping a report deletes nothing"


def test_a_report_is_kept_in_one_autocommitted_statement_through_quick_writes(
    sessions, settings, engine, quick_writes, computed
):
    """Through the quick-writes engine a computed report is kept by one statement, committed by itself (no BEGIN,
    no COMMIT), and visible to every other connection before the asker's own transaction ends."""
    ids = _grow(sessions, random.Random(19), 10)
    on_engine: list[str] = []
    on_quick: list[str] = []

    def recorder(into: list[str]):
        def record(conn, cursor, statement, parameters, context, executemany):
            into.append(statement.split("(")[0].strip())

        return record

    listeners = [(engine, recorder(on_engine)), (quick_writes, recorder(on_quick))]
    for target, listener in listeners:
        event.listen(target, "before_cursor_execute", listener)
    try:
        with sessions.begin() as session:
            team_answer(session, Viewer(ids[0], False), Target(), WEEKS, settings, now=NOW, quick_writes=quick_writes)
            with engine.connect() as other:  # another manager's connection, while the asker's transaction is open
                assert other.scalar(select(func.count()).select_from(TeamFigures)) == 1
    finally:
        for target, listener in listeners:
            event.remove(target, "before_cursor_execute", listener)
    assert on_quick == ["INSERT INTO team_figures"]
    assert not any("team_figures" in statement and not statement.startswith("SELECT") for statement in on_engine)
    with quick_writes.connect() as connection:
        driver = connection.connection.dbapi_connection
        autocommit = driver.isolation_level is None if connection.dialect.name == "sqlite" else driver.autocommit
    assert autocommit is True and quick_writes.pool._pre_ping is False
    with sessions.begin() as session:
        again = team_answer(session, Viewer(ids[0], False), Target(), WEEKS, settings, now=NOW)
    assert len(computed) == 1 and again.report is not None, "the second answer is the kept report"


class _NoDms:
    """The Slack side of a share (rewriting nudge DMs): nobody here was nudged."""

    def show_answer(self, dms) -> int:
        return 0


def _above(people: dict[int, int | None], person: int) -> set[int]:
    found, manager = set(), people[person]
    while manager is not None:
        found.add(manager)
        manager = people[manager]
    return found


def test_a_share_makes_stale_only_the_reports_of_the_groups_the_sharer_is_in(sessions, settings, computed):
    rng = random.Random(21)
    ids = _grow(sessions, rng, 30)
    with sessions.begin() as session:
        people = {p.id: p.manager_id for p in session.scalars(select(Person))}
        managers = _managers(session)
    leaf = next(pid for pid in reversed(ids) if pid not in managers and people[pid] is not None)

    def ask_everyone() -> dict[int | None, TeamReport]:
        answers = {}
        for manager in managers:
            with sessions.begin() as session:
                answers[manager] = team_answer(session, Viewer(manager, False), Target(), WEEKS, settings, now=NOW)
        with sessions.begin() as session:  # an admin with nobody below: the whole organisation
            answers[None] = team_answer(session, Viewer(leaf, True), Target(), WEEKS, settings, now=NOW)
        return {who: answer.report for who, answer in answers.items()}

    before = ask_everyone()
    labels = {report.group_label: who for who, report in before.items()}
    with sessions.begin() as session:
        everyone_before = session.get(FiguresVersion, 1).everyone_version
        version_before = session.get(FiguresVersion, 1).version
        sharer = session.get(Person, leaf)
        slack_id = sharer.slack_user_id
    fields = ShareFields("A linter", "https://github.com/acme/lint/pull/7", "Lints our SQL", "tool", 3, False)
    outcome = share(sessions, _NoDms(), None, settings, slack_user_id=slack_id, week=LAST, fields=fields, now=NOW)
    assert outcome.artifact_id
    with sessions.begin() as session:
        assert session.get(FiguresVersion, 1).everyone_version == everyone_before, "a share is about one person"
        changed = select(FiguresChange.person_id).where(FiguresChange.version > version_before)
        assert set(session.scalars(changed)) == {leaf}
    computed.clear()
    after = ask_everyone()
    recomputed = {labels[label] for label in computed}
    assert recomputed == _above(people, leaf) | {None}  # the sharer's managers' trees, and everyone
    for who in before:
        if who in recomputed:
            assert after[who].totals.artifacts == before[who].totals.artifacts + 1
        else:
            assert after[who] == before[who]
    # A write about everyone (usage) makes every report stale and leaves no change to check person by person.
    with sessions.begin() as session:
        email = session.get(Person, ids[1]).email
        _write_usage(session, [UsageRecord(LAST.start, email, "openai", "gpt-4o", 2_000, 200, cost_usd=Decimal(1))])
    with sessions.begin() as session:
        assert session.get(FiguresVersion, 1).everyone_version > everyone_before
        assert session.scalar(select(func.count()).select_from(FiguresChange)) == 0
    computed.clear()
    ask_everyone()
    assert {labels[label] for label in computed} == set(managers) | {None}


def test_the_nightly_job_keeps_every_managers_report_and_the_organisations(sessions, settings, computed, keep_through):
    ids = _grow(sessions, random.Random(23), 25)
    with sessions.begin() as session:
        managers = _managers(session)
    night = keep_team_reports(sessions, settings, NOW, quick_writes=keep_through)
    assert (night.groups, night.computed) == (len(managers) + 1, len(managers) + 1)
    with sessions() as session:  # each person's sums over the periods, built first for the large groups' reports
        with_sums = dict(session.execute(select(PeriodFigures.weeks, func.count()).group_by(PeriodFigures.weeks)).all())
    assert night.period_built == with_sums and set(with_sums) == set(KEPT_SPANS) and min(with_sums.values()) > 0
    assert f"; period_figures built first ({built_summary(with_sums)})" in night.summary()
    computed.clear()
    for manager in managers:  # the morning: every first answer is a kept one, equal to a fresh one
        with sessions.begin() as session:
            kept = team_answer(session, Viewer(manager, False), Target(), DEFAULT_TEAM_WEEKS, settings, now=NOW)
            group = Group.tree(manager, kept.report.group_label)
            last = IsoWeek.last_complete(NOW, settings.zone)
            assert kept.report == team_report(session, group, last, DEFAULT_TEAM_WEEKS, settings, today=NOW.date())
    with sessions.begin() as session:
        team_answer(session, Viewer(ids[-1], True), Target(), DEFAULT_TEAM_WEEKS, settings, now=NOW)
    assert computed == [], "every morning answer was a kept one"
    again = keep_team_reports(sessions, settings, NOW)
    assert again.computed == 0  # nothing written since: every report is still kept
    assert again.period_built is None and "period_figures" not in again.summary()  # and the sums still hold


def test_only_orm_rows_about_people_are_recorded_person_by_person(sessions):
    """A statement the ORM's flush did not write (a bulk UPDATE of artifacts), or a flush that also writes another
    table (a person renamed beside an artifact), is a write about everyone."""
    ids = _grow(sessions, random.Random(29), 6)

    def versions() -> tuple[int, int]:
        with sessions() as session:
            row = session.get(FiguresVersion, 1)
            return row.version, row.everyone_version

    _, everyone = versions()
    _share(sessions, random.Random(1), ids[2])
    version, still = versions()
    assert still == everyone and version > everyone
    _share(sessions, random.Random(2), ids[4])
    with sessions.begin() as session:  # an ORM edit about ids[2], then a bulk UPDATE the flush knows nothing of
        session.scalars(select(Artifact).where(Artifact.person_id == ids[2])).first().title = "Edited"
        session.flush()
        session.execute(update(Artifact).where(Artifact.person_id == ids[4]).values(work_units=Decimal(2)))
    version, everyone = versions()
    assert everyone == version
    with sessions.begin() as session:
        artifact = session.scalars(select(Artifact).where(Artifact.person_id == ids[2])).first()
        artifact.title = "Renamed"
        session.get(Person, ids[3]).name = "Someone Else"
    version, everyone = versions()
    assert everyone == version
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(FiguresChange)) == 0
