"""Two usage imports at once: both succeed when they bring the same new email, and take turns on the same new day."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select, text

from bot.cli import main
from bot.db.models import Person, UsageDaily
from bot.ingest.csv_files import iter_usage
from bot.ingest.errors import ProblemCollector
from bot.ingest.prices import PriceTable
from bot.ingest.store import write_usage
from tests.conftest import NOW
from tests.support.organisation import load_usage

NEW_EMAIL = "newcomer@example.com"
HEADER = "date,email,provider,model,input_tokens,output_tokens,cached_input_tokens,requests,cost_usd"


def _wait_for_a_blocked_backend(sessions, timeout: float = 20.0) -> None:
    """Until another backend of this database waits on a lock (the second import's insert of the email)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sessions() as session:
            waiting = session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
                )
            )
        if waiting:
            return
        time.sleep(0.05)
    raise AssertionError("the second import never waited for the first one's new person")


@pytest.mark.postgres_only  # SQLite has one writer at a time: the second import cannot start its insert meanwhile
def test_two_imports_bringing_the_same_new_email_both_succeed(database_url, sessions, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DATABASE_URL", database_url)
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(f"{HEADER}\n2026-11-20,{NEW_EMAIL},openai,gpt-4o,1000,100,0,1,\n")
    second.write_text(f"{HEADER}\n2026-11-21,{NEW_EMAIL},openai,gpt-4o,2000,200,0,1,\n")
    answers: list[int] = []

    # The first import inserts the new person and holds its transaction open...
    with sessions() as session, session.begin():
        problems = ProblemCollector(str(first))
        write_usage(
            session, iter_usage(first, problems), prices=PriceTable.load(), source="csv", now=NOW, problems=problems
        )
        assert not problems
        # ... while `buildboard usage import` of the second file, in its own connection, brings the same email.
        racer = threading.Thread(target=lambda: answers.append(main(["usage", "import", str(second)])))
        racer.start()
        _wait_for_a_blocked_backend(sessions)
    racer.join(timeout=60)

    assert answers == [0], capsys.readouterr().err
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person).where(Person.email == NEW_EMAIL)) == 1
        assert session.scalar(select(func.count()).select_from(UsageDaily)) == 2


@pytest.mark.postgres_only  # SQLite has one writer at a time by itself
def test_two_imports_of_the_same_new_day_take_turns_and_the_later_one_upserts(database_url, sessions, tmp_path):
    """A day without usage is inserted without conflict checks, so a second writer must wait its turn.

    Without the turn, the second import would also find the day empty and fail on the first one's rows.
    """
    with sessions.begin() as session:
        session.add(Person(email="ann@example.com", name="Ann", team="T", created_at=NOW, updated_at=NOW))
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(f"{HEADER}\n2026-11-20,ann@example.com,openai,gpt-4o,1000,100,0,1,\n")
    second.write_text(
        f"{HEADER}\n2026-11-20,ann@example.com,openai,gpt-4o,3000,300,0,3,\n"
        "2026-11-20,ann@example.com,openai,gpt-4o-mini,10,1,0,1,\n"
    )
    outcome: list[object] = []

    def import_second() -> None:
        try:
            report, problems = load_usage(sessions, second)
            outcome.append((bool(problems), report.changed))
        except Exception as exc:  # noqa: BLE001 - the assertion below shows it
            outcome.append(exc)

    with sessions() as session, session.begin():
        problems = ProblemCollector(str(first))
        write_usage(
            session, iter_usage(first, problems), prices=PriceTable.load(), source="csv", now=NOW, problems=problems
        )
        racer = threading.Thread(target=import_second)
        racer.start()
        _wait_for_a_blocked_backend(sessions)  # the second import waits for its turn, before reading a day
    racer.join(timeout=60)

    assert outcome == [(False, 2)]  # one row updated, one inserted
    with sessions() as session:
        got = session.execute(select(UsageDaily.model, UsageDaily.input_tokens).order_by(UsageDaily.model)).all()
    assert [tuple(row) for row in got] == [("gpt-4o", 3000), ("gpt-4o-mini", 10)]
