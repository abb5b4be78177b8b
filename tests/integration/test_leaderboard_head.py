"""`/buildboard leaderboard` places the caller in the week's kept ranking and reads only its head for the board.

Its board, the caller's place and the number ranked must be those of ranking everyone's weeks, however many people
at the top may not be named (the head then goes deeper), and they must follow a share and an opt-out at once.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.db.models import Artifact, Endorsement, Person
from bot.db.usage_weekly import rebuild_usage_weekly
from bot.domain.claims import has_output
from bot.domain.periods import IsoWeek
from bot.domain.privacy import may_be_named_in_public
from bot.domain.ranking import rank_key
from bot.services.digest import BOARD_SIZE
from bot.services.leaderboard import FIRST_HEAD, current_leaderboard
from bot.services.personal import my_weeks
from bot.services.standings import WeekStandings
from bot.services.stats import person_weeks
from tests.conftest import NOW
from tests.support.usage_rows import usage

PEOPLE = FIRST_HEAD + 130  # enough that a board needs a head deeper than the first
UNITS = ["0", "0.5", "1", "1", "2", "2.25", "3"]  # ties on work units; "0": shared, but no counted output


def _artifact(person_id: int, week_start, title: str, units: Decimal, created_at=NOW) -> Artifact:
    return Artifact(
        person_id=person_id,
        week_start=week_start,
        title=title,
        kind="tool",
        work_units=units,
        created_at=created_at,
        updated_at=NOW,
    )


def _organisation(session, week: IsoWeek, chance: random.Random) -> list[int]:
    """PEOPLE people, most with usage and artifacts in `week` (ties, artifacts worth nothing, more than the cap)."""
    people = [
        Person(email=f"p{n}@example.com", name=f"P {n}", team="T", created_at=NOW, updated_at=NOW)
        for n in range(PEOPLE)
    ]
    session.add_all(people)
    session.flush()
    ids = [person.id for person in people]
    for n, person_id in enumerate(ids):
        if chance.random() < 0.8:
            tokens = chance.choice([0, 1000, 5000])
            session.add(usage(person_id, week.start + timedelta(days=1), tokens=tokens, cost=chance.choice(["0", "2"])))
        for i in range(chance.choice([0, 1, 1, 2, 6])):
            units = Decimal(chance.choice(UNITS))
            session.add(_artifact(person_id, week.start, f"thing {i}", units, NOW + timedelta(minutes=n, seconds=i)))
    rebuild_usage_weekly(session)  # the rows above bypassed write_usage
    return ids


def _everyone_ranked(session, week: IsoWeek, settings):
    """The slow reference: every person's week read and ranked, the first BOARD_SIZE who may be named."""
    weeks = person_weeks(session, week, cap=settings.max_counted_artifacts)
    ranked = sorted(
        (w for w in weeks.values() if has_output(w.work_units)), key=lambda w: rank_key(w, settings.rank_by)
    )
    people = {p.id: p for p in session.scalars(select(Person))}
    named = [w for w in ranked if may_be_named_in_public(people[w.person_id])][:BOARD_SIZE]
    return ranked, [(w.person_id, w.artifacts, w.work_units) for w in named], weeks


def _agrees(session, week, settings, standings, viewers) -> None:
    ranked, board, weeks = _everyone_ranked(session, week, settings)
    order = [w.person_id for w in ranked]
    for viewer_id in viewers:
        answer = current_leaderboard(session, NOW, settings, session.get(Person, viewer_id), standings)
        assert [(e.person_id, e.artifacts, e.work_units) for e in answer.entries] == board
        assert [e.position for e in answer.entries] == list(range(1, len(board) + 1))
        assert answer.ranked_people == len(ranked)
        want = order.index(viewer_id) + 1 if viewer_id in order else None
        assert answer.viewer_position == want, viewer_id
        assert answer.viewer_stats == weeks.get(viewer_id)


@pytest.mark.parametrize("rank_by", ["work_units", "tokens", "spend"])
def test_the_board_and_the_callers_place_are_those_of_ranking_everyone(sessions, make_settings_for, rank_by):
    settings = make_settings_for(rank_by=rank_by)
    week = IsoWeek.current(NOW, settings.zone)
    chance = random.Random(48)
    with sessions.begin() as session:
        ids = _organisation(session, week, chance)
    with sessions.begin() as session:
        ranked, _, _ = _everyone_ranked(session, week, settings)
        # The first FIRST_HEAD + 5 ranked may not be named: the board is the 206th to the 215th and beyond.
        top = [w.person_id for w in ranked[: FIRST_HEAD + 5]]
        for n, person_id in enumerate(top):
            person = session.get(Person, person_id)
            if n % 7 == 3:
                person.in_org = False  # departed
            else:
                person.public_opt_out = True
    assert len(ranked) > FIRST_HEAD + 5 + BOARD_SIZE  # the board is full, found below the first head
    standings = WeekStandings()
    unranked = next(pid for pid in ids if pid not in {w.person_id for w in ranked})
    viewers = [top[0], top[-1], ranked[-1].person_id, unranked, ids[len(ids) // 2]]
    with sessions() as session:
        _agrees(session, week, settings, standings, viewers)
        answer = current_leaderboard(session, NOW, settings, session.get(Person, top[0]), standings)
        assert answer.viewer_hidden and answer.viewer_position == 1  # opted out, still first
        assert len(answer.entries) == BOARD_SIZE


def test_the_board_follows_a_share_and_an_opt_out_through_the_kept_ranking(sessions, make_settings_for):
    settings = make_settings_for(rank_by="work_units")
    week = IsoWeek.current(NOW, settings.zone)
    with sessions.begin() as session:
        ids = _organisation(session, week, random.Random(7))
    standings = WeekStandings()
    with sessions() as session:
        ranked, board, _ = _everyone_ranked(session, week, settings)
        last = ranked[-1].person_id
        _agrees(session, week, settings, standings, [last])
    with sessions.begin() as session:  # the last ranked shares something big: first now (a counted write)
        session.add(_artifact(last, week.start, "big", Decimal(40)))
    with sessions() as session:
        answer = current_leaderboard(session, NOW, settings, session.get(Person, last), standings)
        assert answer.viewer_position == 1 and answer.entries[0].person_id == last
        _agrees(session, week, settings, standings, [last, ids[0]])
    with sessions.begin() as session:  # the first on the board opts out: no figure changed, the board follows
        session.get(Person, last).public_opt_out = True
    with sessions() as session:
        answer = current_leaderboard(session, NOW, settings, session.get(Person, last), standings)
        assert last not in [e.person_id for e in answer.entries] and answer.viewer_position == 1
        _agrees(session, week, settings, standings, [last, board[0][0]])


def test_output_of_endorsements_alone_is_ranked_and_named_as_me_places_it(sessions, make_settings_for):
    """A week whose only output is endorsements of an earlier artifact (no usage, nothing shared) is counted
    output: the board names it and the leaderboard places it where `/buildboard me` does."""
    settings = make_settings_for(rank_by="work_units")
    week = IsoWeek.current(NOW, settings.zone)
    with sessions.begin() as session:
        people = [Person(email=f"e{n}@example.com", name=f"E {n}", created_at=NOW, updated_at=NOW) for n in range(5)]
        session.add_all(people)
        session.flush()
        endorsed, sharer, *endorsers = (p.id for p in people)
        earlier = _artifact(endorsed, week.previous().start, "last week's tool", Decimal(1), NOW - timedelta(days=7))
        session.add(earlier)
        session.add(usage(sharer, week.start, tokens=1000, cost="3"))
        session.add(_artifact(sharer, week.start, "small", Decimal("0.5")))
        session.flush()
        for endorser in endorsers:
            session.add(
                Endorsement(
                    artifact_id=earlier.id,
                    endorser_id=endorser,
                    author_id=endorsed,
                    week_start=week.start,
                    created_at=NOW,
                )
            )
        rebuild_usage_weekly(session)
    standings = WeekStandings()
    with sessions() as session:
        answer = current_leaderboard(session, NOW, settings, session.get(Person, endorsed), standings)
        mine = my_weeks(session, session.get(Person, endorsed), [week], settings, standings)[0]
        assert mine.stats.tokens == 0 and mine.stats.artifacts == 0 and mine.stats.work_units > Decimal("0.5")
        assert [e.person_id for e in answer.entries] == [endorsed, sharer]
        assert (answer.viewer_position, answer.ranked_people) == (mine.position, mine.ranked_people) == (1, 2)


@pytest.fixture
def make_settings_for(database_url, slack):
    from tests.conftest import make_settings

    return lambda **overrides: make_settings(database_url, slack, **overrides)
