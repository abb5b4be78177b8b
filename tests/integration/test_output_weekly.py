"""output_weekly: each person's counted output per week, kept in the transaction of every write it reads.

Random sequences of the product's own writes (artifacts shared, edited and deleted, endorsements, verified pull
requests matched, counted and reverted, coding agents' daily activity written and withdrawn) must leave the table
kept and equal to `person_output` computed from scratch (the slow reference) after every transaction; a write
that bypasses them must leave it forgotten, never wrong; a team report reads the same figures either way.
"""

from __future__ import annotations

import random
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import delete, select, text, update

import bot.db.output_weekly as output_weekly_module
from bot.db.models import AppState, Artifact, CodeActivityDaily, Endorsement, Person, UsageDaily, VerifiedPullRequest
from bot.db.output import person_output
from bot.db.output_weekly import (
    OUTPUT_WEEKLY,
    STATE_KEY,
    ensure_output_weekly,
    kept_for,
    kept_output,
    output_kept,
    output_weeks,
    rebuild_output_weekly,
)
from bot.db.usage_weekly import rebuild_usage_weekly
from bot.domain.artifacts import ShareFields
from bot.domain.periods import IsoWeek, weeks_ending
from bot.ingest.provider_api import FetchedWindow
from bot.ingest.records import CodeActivityRecord
from bot.ingest.store import write_code_activity
from bot.services.artifacts import create_artifact, delete_artifact, edit_artifact
from bot.services.digest import compute_digest, team_totals
from bot.services.endorsements import endorse, forget_endorsements
from bot.services.erasure import erase
from bot.services.stats import org_weeks, person_weeks
from bot.services.stats import output_weeks as output_weeks_of
from bot.services.sync import _remove_unreported_activity
from bot.services.team import Group, _period_figures, team_week_figures, weekly_numbers
from tests.conftest import NOW, assert_output_weekly_matches_output, make_settings

CAP = 3
WEEKS = weeks_ending(IsoWeek(2026, 47), 4)
PEOPLE = 9


def _people(sessions) -> list[int]:
    with sessions.begin() as session:
        boss = Person(email="boss@example.com", name="Boss", slack_user_id="UBOSS", created_at=NOW, updated_at=NOW)
        session.add(boss)
        session.flush()
        for n in range(PEOPLE):
            session.add(
                Person(
                    email=f"p{n}@example.com",
                    name=f"Person {n}",
                    slack_user_id=f"UP{n}",
                    manager_id=boss.id,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        session.flush()
        return [boss.id, *sorted(session.scalars(select(Person.id).where(Person.id != boss.id)))]


def _fields(rng: random.Random, n: int, *, linked: bool | None = None) -> ShareFields:
    linked = rng.random() < 0.7 if linked is None else linked
    return ShareFields(
        title=f"Thing {n}",
        url=f"https://git.example.com/thing/{n}" if linked else None,
        description="what it does",
        kind="tool",
        hours_saved_per_week=rng.choice([None, Decimal("0.5"), Decimal("2"), Decimal("8"), Decimal("40")]),
        share_in_channel=False,
    )


def _kept_rows(sessions) -> set[tuple]:
    with sessions() as session:
        return {tuple(row) for row in session.execute(kept_output([w.start for w in WEEKS]))}


def _one_write(session, rng: random.Random, ids: list[int], n: int, stats: dict[str, int]) -> None:
    """One of the product's writes, at random."""
    people = {pid: session.get(Person, pid) for pid in ids}
    artifacts = list(session.scalars(select(Artifact).order_by(Artifact.id)))
    move = rng.choice(["share", "share", "share", "edit", "delete", "endorse", "endorse", "pr", "activity", "unreport"])
    if move == "edit" and artifacts:
        artifact = rng.choice(artifacts)
        edit_artifact(session, people[artifact.person_id], artifact.id, _fields(rng, n), NOW)
    elif move == "delete" and artifacts:
        artifact = rng.choice(artifacts)
        delete_artifact(session, people[artifact.person_id], artifact.id)
    elif move == "endorse" and artifacts:
        artifact = rng.choice(artifacts)
        endorser = people[rng.choice(ids)]
        when = datetime.combine(rng.choice(WEEKS).start, datetime.min.time(), UTC) + timedelta(hours=rng.randrange(160))
        endorse(session, artifact.id, endorser.slack_user_id, when, UTC)
    elif move == "pr":
        prs = list(session.scalars(select(VerifiedPullRequest).order_by(VerifiedPullRequest.id)))
        if prs and rng.random() < 0.5:  # a re-sync: counted again or reverted, or matched to someone else
            pr = rng.choice(prs)
            pr.counted = not pr.counted
            if rng.random() < 0.3:
                pr.person_id = rng.choice([None, *ids])
        else:
            week = rng.choice(WEEKS)
            session.add(
                VerifiedPullRequest(
                    repository="acme/app",
                    number=n,
                    person_id=rng.choice([None, *ids]),
                    title=f"PR {n}",
                    merged_at=NOW,
                    week_start=week.start,
                    base_ref="main",
                    counted=rng.random() < 0.7,
                    synced_at=NOW,
                )
            )
        session.flush()
    elif move == "activity":
        records = [
            CodeActivityRecord(
                day=rng.choice(WEEKS).start + timedelta(days=rng.randrange(7)),
                email=people[rng.choice(ids)].email,
                provider="claude_code",
                pull_requests=rng.choice([0, 1, 3, 12]),
            )
            for _ in range(rng.randrange(1, 4))
        ]
        unique = {(r.day, r.email): r for r in records}
        write_code_activity(session, list(unique.values()), now=NOW)
    elif move == "unreport":  # a day's activity the provider no longer reports
        week = rng.choice(WEEKS)
        fetched = FetchedWindow(since=week.start, until=week.end)
        _remove_unreported_activity(session, fetched, "claude_code", set())
    else:  # shares concentrate on a few people, so that some person-weeks go over the cap
        person = people[rng.choice(ids[:4])]
        create_artifact(session, person, rng.choice(WEEKS), _fields(rng, n), NOW + timedelta(minutes=n))
        move = "share"
    stats[move] = stats.get(move, 0) + 1


def test_every_write_keeps_it_equal_to_the_output_computed_from_scratch(sessions, engine):
    ids = _people(sessions)
    rebuild_output_weekly(sessions, CAP)
    rng = random.Random(20)
    stats: dict[str, int] = {}
    for n in range(160):
        with sessions.begin() as session:
            _one_write(session, rng, ids, n, stats)
        with sessions() as session:
            assert kept_for(session) == CAP, f"write {n} forgot the table"
        assert_output_weekly_matches_output(engine)
    # Every kind of write happened, and they left output to compare: the check above compared something.
    assert set(stats) == {"share", "edit", "delete", "endorse", "pr", "activity", "unreport"}, stats
    rows = _kept_rows(sessions)
    assert len(rows) >= 15
    assert any(row[5] > 0 for row in rows) and any(row[6] > 0 for row in rows)  # PR evidence and endorsements
    assert any(row[2] == CAP and row[3] > CAP for row in rows)  # a person-week over the cap


def test_a_rolled_back_write_leaves_it_as_it_was(sessions, engine):
    ids = _people(sessions)
    rebuild_output_weekly(sessions, CAP)
    with sessions.begin() as session:
        create_artifact(session, session.get(Person, ids[1]), WEEKS[0], _fields(random.Random(1), 1), NOW)
    before = _kept_rows(sessions)
    session = sessions()
    try:
        session.begin()
        create_artifact(session, session.get(Person, ids[1]), WEEKS[0], _fields(random.Random(2), 2), NOW)
        assert len(_kept_rows(sessions)) == 1  # another connection sees only what was committed
        session.rollback()
    finally:
        session.close()
    assert _kept_rows(sessions) == before
    assert_output_weekly_matches_output(engine)


def test_a_write_around_the_product_forgets_it_and_a_rebuild_restores_it(sessions, engine):
    ids = _people(sessions)
    rng = random.Random(7)
    rebuild_output_weekly(sessions, CAP)
    with sessions.begin() as session:
        for n in range(12):
            create_artifact(session, session.get(Person, ids[n % 3]), WEEKS[n % 2], _fields(rng, n), NOW)
    with engine.begin() as connection:  # an operator's own SQL: the output changes and nothing refreshes it
        connection.execute(update(Artifact).values(work_units=Decimal("9")))
    with sessions() as session:
        assert kept_for(session) is None  # forgotten, not wrong
    assert ensure_output_weekly(sessions, CAP) > 0
    with sessions() as session:
        assert kept_for(session) == CAP
    assert ensure_output_weekly(sessions, CAP) is None
    assert {row[4] for row in _kept_rows(sessions)} == {Decimal("9") * row[2] for row in _kept_rows(sessions)}
    assert_output_weekly_matches_output(engine)

    # Erasure's endorsements go in one statement: forgotten again, then rebuilt.
    with sessions.begin() as session:
        endorsed = create_artifact(session, session.get(Person, ids[4]), WEEKS[1], _fields(rng, 99, linked=True), NOW)
        assert endorse(session, endorsed.id, "UP0", NOW - timedelta(days=10), UTC).ok
    with sessions() as session:
        assert kept_for(session) == CAP  # the endorsement was kept
    with sessions.begin() as session:
        forget_endorsements(session, ids[1])
    with sessions() as session:
        assert kept_for(session) is None
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM app_state"))  # and a raw write elsewhere changes nothing here
    assert rebuild_output_weekly(sessions, 2) > 0  # another cap
    with sessions() as session:
        assert kept_for(session) == 2
    assert ensure_output_weekly(sessions, CAP) > 0
    assert_output_weekly_matches_output(engine)


def test_a_rebuild_that_a_write_overtook_is_not_kept(sessions, engine, monkeypatch):
    """A write that forgets the table while a rebuild recomputes its weeks leaves it not kept, not stale."""
    ids = _people(sessions)
    with sessions.begin() as session:
        for n in range(4):
            create_artifact(session, session.get(Person, ids[n]), WEEKS[n], _fields(random.Random(n), n), NOW)
    locks = []
    real_lock = output_weekly_module._lock

    def lock_then_overtake(connection):
        locks.append(connection)
        if len(locks) == 3:  # the second week's recompute begins: someone's own SQL lands first
            with engine.begin() as other:
                other.execute(update(Artifact).values(work_units=Decimal("7")))
        real_lock(connection)

    monkeypatch.setattr(output_weekly_module, "_lock", lock_then_overtake)
    assert rebuild_output_weekly(sessions, CAP) is None
    with sessions() as session:
        assert kept_for(session) is None  # reports compute the output, which has the new units
    monkeypatch.setattr(output_weekly_module, "_lock", real_lock)
    assert ensure_output_weekly(sessions, CAP) == 4
    assert {row[4] for row in _kept_rows(sessions)} == {Decimal("7")}
    assert_output_weekly_matches_output(engine)


def test_a_team_report_reads_the_same_figures_kept_or_computed(sessions):
    ids = _people(sessions)
    rebuild_output_weekly(sessions, CAP)
    _random_week_of_work(sessions, ids, seed=3)
    with sessions() as session:
        assert kept_for(session) == CAP
        group = Group.tree(ids[0], "Boss's team")
        for side_by_side in (False, True):  # a small group's statement and a large one's
            kept = _period_figures(session, WEEKS, WEEKS[2].start, group, CAP, True, side_by_side, None, None)
            computed = _period_figures(session, WEEKS, WEEKS[2].start, group, CAP, False, side_by_side, None, None)
            assert kept is not None and computed is not None  # (no kept sums read: nothing to find replaced)
            assert sorted(kept[0]) == sorted(computed[0]) and kept[1:] == computed[1:]
            assert sum(row.artifacts for row in kept[0]) > 0 and kept[1][1].evidenced_spend_usd > 0

    def week_by_week(output_is_kept: bool):  # the team chart's figures and a group's weekly numbers
        with sessions() as session:
            if not output_is_kept:
                session.execute(delete(AppState).where(AppState.key == STATE_KEY))
            assert output_kept(session, CAP) is output_is_kept
            figures = (
                team_week_figures(session, WEEKS, group, cap=CAP),
                weekly_numbers(session, WEEKS, group, cap=CAP),
            )
            session.rollback()
        return figures

    assert week_by_week(True) == week_by_week(False)
    assert any(figures.work_units > 0 for figures in week_by_week(True)[0][0].values())


def _random_week_of_work(sessions, ids: list[int], seed: int) -> None:
    """80 of the product's writes at random, and usage beside them (evidenced spend, active people)."""
    rng = random.Random(seed)
    stats: dict[str, int] = {}
    for n in range(80):
        with sessions.begin() as session:
            _one_write(session, rng, ids, n, stats)
    with sessions.begin() as session:
        for pid in ids:
            for week in WEEKS:
                if rng.random() < 0.6:
                    session.add(
                        UsageDaily(
                            person_id=pid,
                            day=week.start + timedelta(days=rng.randrange(7)),
                            provider="openai",
                            model="gpt-5",
                            input_tokens=rng.randrange(1, 10_000),
                            output_tokens=0,
                            cost_usd=Decimal(rng.randrange(1, 5_000)) / 100,
                            cost_source="reported",
                            source="test",
                            updated_at=NOW,
                        )
                    )
        session.flush()
        rebuild_usage_weekly(session)


def test_the_digest_and_a_person_week_read_the_same_figures_kept_or_computed(sessions, database_url):
    ids = _people(sessions)
    rebuild_output_weekly(sessions, CAP)
    _random_week_of_work(sessions, ids, seed=11)
    settings = make_settings(database_url)
    week = WEEKS[-1]

    def read(kept: bool):
        with sessions() as session:
            if not kept:  # forgotten inside this transaction only
                session.execute(delete(AppState).where(AppState.key == STATE_KEY))
            assert output_kept(session, CAP) is kept
            digest = compute_digest(session, week, settings)
            figures = (
                org_weeks(session, WEEKS, cap=CAP),
                team_totals(session, week, cap=CAP),
                output_weeks_of(session, week, cap=CAP),
                person_weeks(session, week, cap=CAP),
                person_weeks(session, week, ids[:3], cap=CAP),
            )
            session.rollback()
        return digest, figures

    kept_digest, kept_figures = read(True)
    computed_digest, computed_figures = read(False)
    assert kept_figures == computed_figures
    assert kept_digest == computed_digest
    assert kept_figures[0][week.start].work_units > 0 and kept_figures[2]  # there was output to read


def test_two_shares_at_once_by_one_person_are_both_kept(sessions, engine):
    """The second share's refresh waits for the first to commit, then counts both (without the table's lock on
    PostgreSQL, it would insert the same person-week beside the first's uncommitted row, and fail)."""
    ids = _people(sessions)
    rebuild_output_weekly(sessions, CAP)
    first_flushed, errors = threading.Event(), []

    def share(n: int, hold: float) -> None:
        try:
            with sessions.begin() as session:
                create_artifact(session, session.get(Person, ids[2]), WEEKS[3], _fields(random.Random(n), n), NOW)
                if hold:
                    first_flushed.set()
                    time.sleep(hold)
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    first = threading.Thread(target=share, args=(1, 0.5))
    first.start()
    assert first_flushed.wait(10)
    second = threading.Thread(target=share, args=(2, 0))
    second.start()
    first.join(10)
    second.join(10)
    assert errors == []
    with sessions() as session:
        assert kept_for(session) == CAP
        row = session.execute(select(OUTPUT_WEEKLY).where(OUTPUT_WEEKLY.c.person_id == ids[2])).one()
        assert (row.artifacts, row.shared_artifacts) == (2, 2)
    assert_output_weekly_matches_output(engine)


def test_a_deleted_artifact_takes_its_endorsements_of_every_week_with_it(sessions, engine):
    ids = _people(sessions)
    rebuild_output_weekly(sessions, CAP)
    with sessions.begin() as session:
        artifact = create_artifact(
            session, session.get(Person, ids[1]), WEEKS[0], _fields(random.Random(1), 1, linked=True), NOW
        )
        for endorser, week in (("UP2", WEEKS[1]), ("UP3", WEEKS[3])):  # endorsed in later weeks
            assert endorse(
                session, artifact.id, endorser, datetime.combine(week.start, datetime.min.time(), UTC), UTC
            ).ok
        artifact_id = artifact.id
    assert {(row[1], row[6] > 0) for row in _kept_rows(sessions)} == {
        (WEEKS[0].start, False),
        (WEEKS[1].start, True),
        (WEEKS[3].start, True),
    }
    with sessions.begin() as session:
        delete_artifact(session, session.get(Person, ids[1]), artifact_id)
    with sessions() as session:
        assert kept_for(session) == CAP
        assert session.scalars(select(Endorsement)).all() == []  # gone with it, by the database's cascade
    assert _kept_rows(sessions) == set()
    assert_output_weekly_matches_output(engine)


def test_erasure_refreshes_the_weeks_it_changes_and_keeps_the_table(sessions, engine):
    """Forgetting someone deletes their endorsements (given and received) and pull requests in bulk statements and
    blanks their artifacts' words: the weeks those counted in, theirs and their colleagues', are refreshed in
    the same transaction; the table stays kept."""
    ids = _people(sessions)
    rebuild_output_weekly(sessions, CAP)
    rng = random.Random(3)
    forgotten, colleague = ids[2], ids[5]
    with sessions.begin() as session:
        theirs = create_artifact(session, session.get(Person, forgotten), WEEKS[0], _fields(rng, 1, linked=True), NOW)
        other = create_artifact(session, session.get(Person, colleague), WEEKS[1], _fields(rng, 2, linked=True), NOW)
        for artifact_id, endorser, week in ((theirs.id, "UP6", WEEKS[1]), (other.id, "UP1", WEEKS[2])):  # UP1: them
            when = datetime.combine(week.start, datetime.min.time(), UTC) + timedelta(hours=30)
            assert endorse(session, artifact_id, endorser, when, UTC).ok
        session.add(
            VerifiedPullRequest(
                repository="acme/app",
                number=7,
                person_id=forgotten,
                title="Their PR",
                merged_at=NOW,
                week_start=WEEKS[3].start,
                base_ref="main",
                counted=True,
                synced_at=NOW,
            )
        )
    before = {(row[0], row[1]): row[2:] for row in _kept_rows(sessions)}
    # Units from the colleague's endorsement (week 2) and from their pull request (week 4) are counted now.
    assert before[(forgotten, WEEKS[1].start)][-1] > 0 and before[(forgotten, WEEKS[3].start)][-1] > 0
    assert before[(colleague, WEEKS[2].start)][-1] > 0  # the endorsement they gave
    with sessions.begin() as session:
        report = erase(session, session.get(Person, forgotten), now=NOW)
    assert report.removed["endorsements given or received"] == 2 and report.removed["verified pull requests"] == 1
    with sessions() as session:
        assert kept_for(session) == CAP
    after = {(row[0], row[1]): row[2:] for row in _kept_rows(sessions)}
    assert (forgotten, WEEKS[1].start) not in after and (forgotten, WEEKS[3].start) not in after
    assert (colleague, WEEKS[2].start) not in after
    assert after[(forgotten, WEEKS[0].start)] == before[(forgotten, WEEKS[0].start)]  # their artifact still counts
    assert_output_weekly_matches_output(engine)


def test_the_weeks_a_rebuild_computes_are_every_week_with_output(sessions):
    ids = _people(sessions)
    with sessions.begin() as session:
        create_artifact(session, session.get(Person, ids[1]), WEEKS[0], _fields(random.Random(1), 1), NOW)
        session.add(
            CodeActivityDaily(
                person_id=ids[2],
                day=WEEKS[2].start + timedelta(days=3),
                provider="claude_code",
                pull_requests=2,
                updated_at=NOW,
            )
        )
        session.add(
            CodeActivityDaily(
                person_id=ids[2], day=WEEKS[3].start, provider="claude_code", pull_requests=0, updated_at=NOW
            )
        )
        session.flush()
        assert output_weeks(session) == [WEEKS[0].start, WEEKS[2].start]
    rebuild_output_weekly(sessions, CAP)
    with sessions() as session:
        assert sorted(row.week_start for row in session.execute(select(OUTPUT_WEEKLY))) == [
            WEEKS[0].start,
            WEEKS[2].start,
        ]
        assert session.execute(person_output([WEEKS[3].start], cap=CAP)).all() == []
