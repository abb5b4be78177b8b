"""Loading the hand-built organisation of tests/data into a database through the real import path."""

from __future__ import annotations

from bot.ingest.csv_files import iter_usage, read_people
from bot.ingest.errors import ProblemCollector
from bot.ingest.prices import PriceTable
from bot.ingest.store import write_usage
from bot.services.people import import_people
from tests.conftest import DATA, NOW


def load_people(sessions, path=DATA / "people.csv"):
    with sessions.begin() as session:
        return import_people(session, read_people(path), now=NOW)


def load_usage(sessions, path=DATA / "usage.csv", strict=False):
    problems = ProblemCollector(str(path))
    with sessions() as session, session.begin():
        report = write_usage(
            session,
            iter_usage(path, problems),
            prices=PriceTable.load(),
            source="csv",
            now=NOW,
            problems=problems,
            strict_people=strict,
        )
        if problems:
            session.rollback()
    return report, problems


def load_org(sessions):
    load_people(sessions)
    report, problems = load_usage(sessions)
    assert not problems, problems.problems
    return report
