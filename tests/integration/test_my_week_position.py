"""`my_week` counts a person's position in the database; it must agree with the domain's ranking."""

from datetime import date
from decimal import Decimal

import pytest

from bot.db.models import Artifact, Person, UsageDaily
from bot.db.usage_weekly import rebuild_usage_weekly
from bot.domain.claims import has_output
from bot.domain.periods import IsoWeek
from bot.domain.ranking import rank
from bot.services.personal import my_week
from bot.services.stats import person_weeks
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


@pytest.mark.parametrize("rank_by", ["work_units", "tokens", "spend"])
def test_position_matches_the_domain_ranking(sessions, make_settings_for, rank_by):
    settings = make_settings_for(rank_by=rank_by)
    with sessions.begin() as session:
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
    with sessions() as session:
        # Only people with counted output are ranked (issue 17), like the public board.
        with_output = [w for w in person_weeks(session, WEEK).values() if has_output(w.work_units)]
        expected = [w.person_id for w in rank(with_output, rank_by)]
        assert len(expected) == sum(1 for _, _, units in PEOPLE if units)
        for person_id in ids:
            mine = my_week(session, session.get(Person, person_id), WEEK, settings)
            want = expected.index(person_id) + 1 if person_id in expected else None
            assert (mine.position, mine.ranked_people) == (want, len(expected)), (rank_by, person_id)


@pytest.fixture
def make_settings_for(database_url, slack):
    from tests.conftest import make_settings

    return lambda **overrides: make_settings(database_url, slack, **overrides)
