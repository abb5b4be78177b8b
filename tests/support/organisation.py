"""Loading the hand-built organisation of tests/data into a database through the real import path."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.domain.periods import IsoWeek
from bot.ingest.csv_files import iter_usage, read_people
from bot.ingest.errors import ProblemCollector
from bot.ingest.prices import PriceTable
from bot.ingest.store import write_usage
from bot.services.people import import_people
from tests.conftest import DATA, NOW


def load_people(sessions, path=DATA / "people.csv"):
    with sessions.begin() as session:
        return import_people(session, read_people(path), now=NOW)


def load_usage(sessions, path=DATA / "usage.csv", strict=False, now=NOW):
    problems = ProblemCollector(str(path))
    with sessions() as session, session.begin():
        report = write_usage(
            session,
            iter_usage(path, problems),
            prices=PriceTable.load(),
            source="csv",
            now=now,
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


def usage_ending_in(week: IsoWeek, directory: Path) -> Path:
    """tests/data/usage.csv moved by whole weeks so that its last week is `week`, written into `directory`.

    For tests whose processes run on the real clock: the hand-built usage stays in "last week" whatever
    the date (tests/data/usage.csv itself ends in 2026-W47, the last complete week of conftest's NOW).
    """
    header, *rows = (DATA / "usage.csv").read_text(encoding="utf-8").splitlines()
    last = max(date.fromisoformat(row.split(",", 1)[0]) for row in rows)
    shift = week.start - IsoWeek.containing(last).start
    moved = [f"{date.fromisoformat(day) + shift},{rest}" for day, rest in (row.split(",", 1) for row in rows)]
    path = directory / "usage.csv"
    path.write_text("\n".join([header, *moved]) + "\n", encoding="utf-8")
    return path


def load_branches(sessions):
    """tests/data/people_branches.csv and usage_branches.csv, plus artifacts and titles; returns ids by name.

    alice (CEO) → victor (VP) → bob (manager) → carol, dan; alice → erin (manager) → frank; alice → gina.
    """
    from datetime import date
    from decimal import Decimal

    from sqlalchemy import select

    from bot.db.models import Artifact, Award, Person

    load_people(sessions, DATA / "people_branches.csv")
    _, problems = load_usage(sessions, DATA / "usage_branches.csv")
    assert not problems, problems.problems
    w46, w47 = date(2026, 11, 9), date(2026, 11, 16)
    with sessions.begin() as session:
        ids = {email.split("@")[0]: pid for pid, email in session.execute(select(Person.id, Person.email))}
        for who, week, title, units in [
            ("carol", w47, "Invoice parser", "3"),
            ("carol", w47, "Log summariser", "1.5"),
            ("bob", w47, "Deploy checklist bot", "1"),
            ("frank", w47, "Paper triage", "2"),
            ("carol", w46, "Query helper", "1"),
        ]:
            session.add(
                Artifact(
                    person_id=ids[who],
                    week_start=week,
                    title=title,
                    url=f"https://example.com/{title.replace(' ', '-').lower()}",
                    kind="tool",
                    work_units=Decimal(units),
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        session.add(Award(week_start=w47, title_key="builder_of_the_week", person_id=ids["carol"], created_at=NOW))
        session.add(Award(week_start=w47, title_key="efficiency_ace", person_id=ids["frank"], created_at=NOW))
    return ids
