"""The digest chart's weekly spend: every day lands in its own ISO week, the window's edges included."""

from datetime import date
from decimal import Decimal

from bot.db.models import AnonymousUsageDaily, Person, UsageDaily
from bot.db.usage_weekly import rebuild_usage_weekly
from bot.domain.periods import IsoWeek
from bot.services.digest import chart_weeks
from bot.services.stats import org_week
from tests.conftest import NOW

WEEK = IsoWeek.parse("2026-W47")  # Mon 16 – Sun 22 Nov 2026; a 3-week window starts Mon 2 Nov


def test_spend_is_bucketed_by_iso_week(sessions):
    spends = {
        date(2026, 11, 1): "100",  # Sunday before the window: left out
        date(2026, 11, 2): "1.5",  # first day of the window (W45)
        date(2026, 11, 8): "2",  # last day of W45
        date(2026, 11, 9): "4",  # W46
        date(2026, 11, 22): "8",  # last day of W47
        date(2026, 11, 23): "100",  # after the window: left out
    }
    with sessions.begin() as session:
        person = Person(email="p@example.com", name="P", team="T", created_at=NOW, updated_at=NOW)
        session.add(person)
        session.flush()
        for day, spend in spends.items():
            session.add(
                UsageDaily(
                    person_id=person.id,
                    day=day,
                    provider="openai",
                    model="gpt-5",
                    input_tokens=10,
                    cached_input_tokens=0,
                    output_tokens=0,
                    requests=1,
                    cost_usd=Decimal(spend),
                    cost_source="reported",
                    source="csv",
                    updated_at=NOW,
                )
            )
        session.add(
            AnonymousUsageDaily(day=date(2026, 11, 10), provider="openai", model="gpt-5", cost_usd=Decimal("16"))
        )
        rebuild_usage_weekly(session)  # the rows above bypassed write_usage
    with sessions() as session:
        chart = chart_weeks(session, WEEK, count=3)
    assert [(c.label, c.spend_usd) for c in chart] == [
        ("W45", Decimal("3.5")),
        ("W46", Decimal("20")),
        ("W47", Decimal("8")),
    ]


def test_the_chart_counts_work_units_as_the_board_does(sessions):
    """Only a person-week's first 3 artifacts count (bot/db/output.py): the chart says the same as the totals."""
    from tests.support.artifacts import add_artifact

    with sessions.begin() as session:
        session.add(Person(email="p@example.com", name="P", team="T", created_at=NOW, updated_at=NOW))
    for minute in range(5):
        add_artifact(sessions, "p@example.com", WEEK, f"Tool {minute}", units="2", minute=minute)
    with sessions() as session:
        [week] = chart_weeks(session, WEEK, count=1)
        totals = org_week(session, WEEK)
    assert week.work_units == totals.work_units == Decimal(6)  # 3 counted × 2, as the digest's totals say
    assert (week.artifacts, totals.artifacts) == (3, 5)  # the chart plots counted artifacts; the totals say shared
