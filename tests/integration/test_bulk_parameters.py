"""Item 16: no bulk path binds one parameter per row, so 70,000 people stay under PostgreSQL's 65,535 parameters."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import DBAPIError

from bot.cli import database_reason
from bot.db.models import Person, TeamHistory, UsageDaily
from bot.db.org_chart import KEPT, sync_team_history
from bot.domain.periods import IsoWeek
from bot.ingest.provider_api import FetchedWindow
from bot.ingest.records import PersonRecord
from bot.services import authority
from bot.services.authority import Viewer
from bot.services.code_activity import code_activity_by_week
from bot.services.people import import_people
from bot.services.stats import people_by_id, person_period_figures, person_weeks
from bot.services.sync import _remove_unreported_usage
from tests.conftest import NOW

MANY = 70_000  # more than PostgreSQL's 65,535 parameters in one statement
WEEK = IsoWeek.containing(date(2026, 11, 18))


def add_people(session, count: int = MANY) -> list[int]:
    rows = [
        {"email": f"p{i}@example.com", "name": f"P{i}", "in_org": True, "created_at": NOW, "updated_at": NOW}
        for i in range(count)
    ]
    session.execute(insert(Person), rows)
    return list(session.scalars(select(Person.id).order_by(Person.id)))


@pytest.mark.postgres_only
def test_importing_70000_people(sessions):
    records = [PersonRecord(i + 2, f"p{i}@example.com", f"P{i}", "Équipe", None, None, None) for i in range(MANY)]
    with sessions.begin() as session:
        report = import_people(session, records, now=NOW)
    assert report.added == MANY and len(report.missing_slack_ids) == MANY


@pytest.mark.postgres_only
def test_70000_people_leaving_at_once(sessions):
    with sessions.begin() as session:
        add_people(session)
    stays = PersonRecord(2, "p0@example.com", "P0", "Équipe", None, None, None)
    with sessions.begin() as session:  # everyone but one leaves: one UPDATE for 69,999 departures
        assert import_people(session, [stays], now=NOW).departed == MANY - 1
    with sessions() as session:
        assert session.scalar(select(func.count()).where(Person.in_org.is_(True))) == 1


@pytest.mark.postgres_only
def test_reading_the_figures_of_70000_people_by_id(sessions):
    with sessions.begin() as session:
        ids = add_people(session)
    with sessions() as session:
        assert len(people_by_id(session, ids)) == MANY
        assert person_weeks(session, WEEK, ids) == {}
        assert code_activity_by_week(session, [WEEK], ids) == {WEEK: {}}
        assert session.execute(person_period_figures([WEEK], ids, dialect="postgresql")).all() == []
        # A manager of nobody asking for 70,000 people is refused, in one statement.
        assert not authority.may_see(session, Viewer(ids[0], False), ids)


@pytest.mark.postgres_only
def test_a_provider_revision_removing_70000_usage_rows(sessions):
    day = date(2026, 11, 18)
    with sessions.begin() as session:
        ids = add_people(session)
        rows = [
            {
                "person_id": pid,
                "day": day,
                "provider": "openai",
                "model": "gpt-5",
                "input_tokens": 1,
                "cached_input_tokens": 0,
                "output_tokens": 1,
                "requests": 1,
                "cost_usd": Decimal("0.01"),
                "cost_source": "reported",
                "source": "openai",
                "updated_at": NOW,
            }
            for pid in ids
        ]
        session.execute(insert(UsageDaily), rows)
    source = SimpleNamespace(source="openai", provider="openai")
    fetched = FetchedWindow(since=day, until=day)
    with sessions.begin() as session:
        assert _remove_unreported_usage(session, source, fetched, keep=set()) == MANY
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(UsageDaily)) == 0


@pytest.mark.postgres_only
def test_the_team_history_of_70000_changed_people(sessions):
    """The ORM hook passes the ids a flush changed to sync_team_history: one parameter, however many."""
    with sessions.begin() as session:
        ids = add_people(session)
        session.execute(update(Person).values(team_key="platform"), execution_options=KEPT)
        sync_team_history(session, ids)
    with sessions() as session:
        open_rows = select(func.count()).where(TeamHistory.valid_to.is_(None), TeamHistory.team_key == "platform")
        assert session.scalar(open_rows) == MANY


def test_a_database_error_is_one_line_without_the_statement():
    statement = "SELECT people.id FROM people WHERE people.id IN (" + ", ".join(["%s"] * 5000) + ")"
    error = DBAPIError(statement, list(range(5000)), Exception("the query has too many parameters\nDETAIL: more"))
    reason = database_reason(error)
    assert reason == "Exception: the query has too many parameters"
    assert "\n" not in reason and "SELECT" not in reason
