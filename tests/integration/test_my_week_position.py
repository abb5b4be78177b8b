"""`my_weeks` places a person in the week's ranking: it must agree with the domain's ranking, and a ranking the
process keeps (WeekStandings) must never outlive a write that changes a figure."""

import random
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db.figures_version import UNTRACKED
from bot.db.models import Artifact, Endorsement, Person, UsageDaily
from bot.db.usage_weekly import rebuild_usage_weekly
from bot.domain.claims import has_output
from bot.domain.periods import IsoWeek
from bot.domain.ranking import rank
from bot.services.personal import my_weeks
from bot.services.standings import WeekStandings
from bot.services.stats import _person_weeks_statement, person_weeks
from tests.conftest import NOW

WEEK = IsoWeek.parse("2026-W47")
# (tokens, spend, work units of each artifact): ties on every figure the ranking looks at.
PEOPLE = [
    (1000, "1.10", []),
    (1000, "1.10", []),  # the same as the one before: the id decides
    (5000, "0.30", []),
    (0, "0", [Decimal("1")]),  # shared something, used nothing
    (2000, "2.00", [Decimal("1")]),
    (2000, "1.00", [Decimal("1")]),  # same work units, cheaper per unit
    (3000, "1.00", [Decimal("0.5"), Decimal("0.5")]),  # same work units again, in two artifacts
    (100, "0.10", [Decimal("2.25")]),
    (7000, "9.99", [Decimal("0.1"), Decimal("0.2")]),
    (0, "0", []),  # inactive: no position
]


def _organisation(session) -> list[int]:
    """PEOPLE in the database, their usage rolled up: their ids in PEOPLE's order."""
    ids = []
    for n, (tokens, spend, units) in enumerate(PEOPLE):
        person = Person(email=f"p{n}@example.com", name=f"P {n}", team="T", created_at=NOW, updated_at=NOW)
        session.add(person)
        session.flush()
        ids.append(person.id)
        if tokens:
            for day, share in ((date(2026, 11, 17), 3), (date(2026, 11, 19), 7)):
                session.add(
                    UsageDaily(
                        person_id=person.id,
                        day=day,
                        provider="openai",
                        model="gpt-5",
                        input_tokens=tokens * share // 10,
                        cached_input_tokens=0,
                        output_tokens=0,
                        requests=1,
                        cost_usd=Decimal(spend) * share / 10,
                        cost_source="reported",
                        source="csv",
                        updated_at=NOW,
                    )
                )
        for i, wu in enumerate(units):
            session.add(
                Artifact(
                    person_id=person.id,
                    week_start=WEEK.start,
                    title=f"thing {i}",
                    kind="tool",
                    work_units=wu,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
    rebuild_usage_weekly(session)  # the rows above bypassed write_usage
    return ids


@pytest.mark.parametrize("kept", [False, True], ids=["sorted-per-answer", "kept-by-the-process"])
@pytest.mark.parametrize("rank_by", ["work_units", "tokens", "spend"])
def test_position_matches_the_domain_ranking(sessions, make_settings_for, rank_by, kept):
    settings = make_settings_for(rank_by=rank_by)
    standings = WeekStandings() if kept else None
    with sessions.begin() as session:
        ids = _organisation(session)
    with sessions() as session:
        # Only people with counted output are ranked (issue 17), like the public board.
        with_output = [w for w in person_weeks(session, WEEK).values() if has_output(w.work_units)]
        expected = [w.person_id for w in rank(with_output, rank_by)]
        assert len(expected) == sum(1 for _, _, units in PEOPLE if units)
        for person_id in ids:
            mine = my_weeks(session, session.get(Person, person_id), [WEEK], settings, standings)[0]
            want = expected.index(person_id) + 1 if person_id in expected else None
            assert (mine.position, mine.ranked_people) == (want, len(expected)), (rank_by, person_id)


def _share(session, person_id: int, units: str) -> None:
    session.add(
        Artifact(
            person_id=person_id,
            week_start=WEEK.start,
            title=f"more {units}",
            kind="tool",
            work_units=Decimal(units),
            created_at=NOW,
            updated_at=NOW,
        )
    )


def test_a_kept_ranking_answers_until_the_figures_version_moves(engine, sessions, make_settings_for):
    """The process sorts a week once and places every caller in it; a counted write makes it sort the week again.

    A write the figures version does not see (only migrations write that way) shows that the ranking is
    kept: the kept answer still holds the old order while a fresh sort already has the new one.
    """
    settings = make_settings_for(rank_by="work_units")
    standings = WeekStandings()
    with sessions.begin() as session:
        ids = _organisation(session)
    sharer, overtaker = ids[3], ids[8]  # 1 work unit at no cost: 2nd; 0.3 work units: 6th of 6

    def position(kept: WeekStandings | None) -> int | None:
        with sessions() as session:
            return my_weeks(session, session.get(Person, sharer), [WEEK], settings, kept)[0].position

    assert position(standings) == 2
    with engine.connect() as connection:
        connection.info[UNTRACKED] = True
        try:
            with Session(bind=connection) as session:
                _share(session, overtaker, "5")  # now first
                session.commit()
        finally:
            del connection.info[UNTRACKED]
    assert position(None) == 3  # the database has the new order
    assert position(standings) == 2  # the kept ranking has not seen a new version
    with sessions.begin() as session:
        _share(session, overtaker, "0.1")  # a counted write: the version moves
    assert position(standings) == 3
    assert position(standings) == position(None) == 3


def _position(sessions, settings, person_id: int, standings: WeekStandings | None) -> tuple[int | None, int]:
    with sessions() as session:
        mine = my_weeks(session, session.get(Person, person_id), [WEEK], settings, standings)[0]
        return mine.position, mine.ranked_people


def test_a_kept_ranking_moves_only_the_people_a_write_names(engine, sessions, make_settings_for):
    """A write about some people (an ORM flush of artifacts) re-reads only their weeks; a write about everyone
    sorts the week again. A write the version does not see shows which of the two happened."""
    settings = make_settings_for(rank_by="work_units")
    standings = WeekStandings()
    with sessions.begin() as session:
        ids = _organisation(session)
    sharer, unseen, named = ids[3], ids[8], ids[9]  # 2nd; 6th of 6; not ranked (no usage, no output)
    assert _position(sessions, settings, sharer, standings) == (2, 6)
    with engine.connect() as connection:
        connection.info[UNTRACKED] = True
        try:
            with Session(bind=connection) as session:
                _share(session, unseen, "5")  # now first, but no version says so
                session.commit()
        finally:
            del connection.info[UNTRACKED]
    with sessions.begin() as session:
        _share(session, named, "1.5")  # about `named` only: 2nd, ahead of the sharer
    assert _position(sessions, settings, named, standings) == (2, 7)  # patched in: `unseen` still 6th
    assert _position(sessions, settings, sharer, standings) == (3, 7)
    assert _position(sessions, settings, sharer, None) == (4, 7)  # the database: `unseen` first
    with sessions.begin() as session:
        session.execute(update(UsageDaily).values(updated_at=NOW))  # a write about everyone
    assert _position(sessions, settings, sharer, standings) == (4, 7)


def test_a_kept_ranking_agrees_with_a_fresh_sort_through_shares_edits_deletions_and_endorsements(
    sessions, make_settings_for
):
    settings = make_settings_for(rank_by="work_units")
    standings = WeekStandings()
    with sessions.begin() as session:
        ids = _organisation(session)
    chance = random.Random(20)
    for step in range(25):
        with sessions.begin() as session:
            artifacts = session.scalars(select(Artifact).order_by(Artifact.id)).all()
            action = chance.choice(["share", "share", "edit", "delete", "endorse", "usage"])
            if action == "share" or not artifacts:
                _share(session, chance.choice(ids), chance.choice(["0.1", "0.5", "1", "2.25", "3"]))
            elif action == "edit":
                chance.choice(artifacts).work_units = Decimal(chance.choice(["0", "0.3", "1", "4"]))
            elif action == "delete":
                session.delete(chance.choice(artifacts))
            elif action == "endorse":
                artifact = chance.choice(artifacts)
                endorser = chance.choice([pid for pid in ids if pid != artifact.person_id])
                session.add(
                    Endorsement(
                        artifact_id=artifact.id,
                        endorser_id=endorser,
                        author_id=artifact.person_id,
                        week_start=WEEK.start,
                        created_at=NOW,
                    )
                )
            else:
                session.execute(update(UsageDaily).where(UsageDaily.person_id == chance.choice(ids)).values(requests=2))
        for person_id in ids:
            kept, fresh = (_position(sessions, settings, person_id, s) for s in (standings, None))
            assert kept == fresh, (step, action, person_id)


@pytest.fixture
def make_settings_for(database_url, slack):
    from tests.conftest import make_settings

    return lambda **overrides: make_settings(database_url, slack, **overrides)


def test_anyones_week_is_read_through_one_statement_built_once_per_week(sessions):
    """`/buildboard me` reads the caller's week through a statement built once per week, the people bound when it
    runs: each person's figures, and any few people's, equal the same people's rows in everyone's week."""
    with sessions.begin() as session:
        ids = _organisation(session)
    _person_weeks_statement.cache_clear()
    with sessions() as session:
        everyone = person_weeks(session, WEEK)
        assert len(everyone) == sum(1 for tokens, _, units in PEOPLE if tokens or units)
        for person_id in ids:
            assert person_weeks(session, WEEK, [person_id]) == (
                {person_id: everyone[person_id]} if person_id in everyone else {}
            )
        some = ids[2:7]
        assert person_weeks(session, WEEK, some) == {i: everyone[i] for i in some if i in everyone}
        assert person_weeks(session, WEEK.previous(), ids) == {}  # another week: its own statement
    built = _person_weeks_statement.cache_info()
    assert (built.misses, built.hits) == (2, len(ids)), "one statement per week, whoever it is run for"
