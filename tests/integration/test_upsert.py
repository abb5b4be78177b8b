"""INSERT … ON CONFLICT DO NOTHING must say whether it inserted, on both databases (the outbox relies on it)."""

from datetime import date

from bot.db.models import Nudge, Person
from bot.db.upsert import insert_ignore
from tests.conftest import NOW


def test_insert_ignore_reports_whether_this_call_inserted(sessions):
    with sessions.begin() as session:
        person = Person(email="x@example.com", name="X", created_at=NOW, updated_at=NOW)
        session.add(person)
        session.flush()
        row = {"person_id": person.id, "week_start": date(2026, 11, 16), "status": "queued", "created_at": NOW}
        assert insert_ignore(session, Nudge.__table__, row, key=("person_id", "week_start")) is True
        assert insert_ignore(session, Nudge.__table__, row, key=("person_id", "week_start")) is False
