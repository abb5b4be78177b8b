"""Endorsement rules on a real database: once per colleague, 5 a week, one author a week, +1 unit at most."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from bot.db.models import Endorsement, Person
from bot.domain.evidence import Refusal
from bot.domain.periods import IsoWeek
from bot.services.digest import highlights
from bot.services.endorsements import endorse, endorsers_of
from bot.services.erasure import forget
from bot.services.stats import person_weeks
from bot.services.transparency import stored_about
from bot.settings import Settings
from tests.conftest import DATA, NOW
from tests.support.artifacts import add_artifact
from tests.support.organisation import load_people

WEEK = IsoWeek.containing(NOW.date())
ZONE = Settings(_env_file=None).zone
EXTRA = ["frank", "gina", "hank"]


def load_bigger_org(sessions, tmp_path):
    people = tmp_path / "people.csv"
    extra = "".join(f"{n}@example.com,{n.title()} Fox,Research,alice@example.com,U0{n.upper()},\n" for n in EXTRA)
    people.write_text(DATA.joinpath("people.csv").read_text() + extra)
    load_people(sessions, people)


def share(sessions, who: str, title: str, *, url: str | None = "https://git.example/x") -> int:
    return add_artifact(sessions, f"{who}@example.com", WEEK, title, url=url and f"{url}/{title}")


def click(sessions, artifact_id: int, who: str, *, now=NOW):
    with sessions.begin() as session:
        return endorse(session, artifact_id, f"U0{who.upper()}", now, ZONE)


def units(sessions, who: str, week: IsoWeek = WEEK) -> Decimal:
    with sessions() as session:
        pid = session.scalar(select(Person.id).where(Person.email == f"{who}@example.com"))
        found = person_weeks(session, week).get(pid)
        return found.work_units if found else Decimal(0)


def test_each_distinct_colleague_adds_half_a_unit_up_to_one_per_author_week(sessions, tmp_path):
    load_bigger_org(sessions, tmp_path)
    tool = share(sessions, "bob", "tool")
    before = units(sessions, "bob")
    assert click(sessions, tool, "carol").endorsements == 1
    assert units(sessions, "bob") == before + Decimal("0.5")
    assert click(sessions, tool, "dan").ok and click(sessions, tool, "erin").ok
    assert click(sessions, tool, "erin").refusal is Refusal.ALREADY
    assert units(sessions, "bob") == before + 1  # three endorsers, capped at +1
    with sessions() as session:
        assert endorsers_of(session, [tool]) == {tool: ["Carol Chen", "Dan Diaz", "Erin Evans"]}
        bob = session.scalar(select(Person).where(Person.email == "bob@example.com"))
        carol = session.scalar(select(Person).where(Person.email == "carol@example.com"))
        assert sorted((e["direction"], e["colleague"]) for e in stored_about(session, bob).endorsements) == [
            ("received", "Carol Chen"),
            ("received", "Dan Diaz"),
            ("received", "Erin Evans"),
        ]
        assert [(e["direction"], e["artifact"], e["colleague"]) for e in stored_about(session, carol).endorsements] == [
            ("given", "tool", "Bob Baker")
        ]
        [highlight] = highlights(session, WEEK)
    assert highlight.endorsements == 3


def test_an_endorser_gives_five_a_week_and_one_author_once_a_week(sessions, tmp_path):
    load_bigger_org(sessions, tmp_path)
    authors = ["bob", "carol", "dan", "erin", "frank", "gina"]
    artifacts = {who: share(sessions, who, f"{who}-tool") for who in authors}
    second_by_bob = share(sessions, "bob", "bob-second")
    for who in authors[:5]:
        assert click(sessions, artifacts[who], "alice").ok
    assert click(sessions, artifacts["gina"], "alice").refusal is Refusal.WEEKLY_LIMIT
    assert click(sessions, second_by_bob, "hank").ok
    assert click(sessions, artifacts["bob"], "hank").refusal is Refusal.SAME_AUTHOR
    # Next week the limits start again (the endorsement counts in the week it was given).
    next_week = NOW + timedelta(days=7)
    assert click(sessions, artifacts["gina"], "alice", now=next_week).ok
    assert click(sessions, artifacts["bob"], "hank", now=next_week).ok
    assert units(sessions, "gina", WEEK.next()) == Decimal("0.5")


def test_refusals_say_why(sessions, tmp_path):
    load_bigger_org(sessions, tmp_path)
    linked, unlinked = share(sessions, "bob", "linked"), share(sessions, "bob", "unlinked", url=None)
    assert click(sessions, linked, "bob").refusal is Refusal.OWN_ARTIFACT
    assert click(sessions, unlinked, "carol").refusal is Refusal.NO_LINK
    assert click(sessions, 999_999, "carol").refusal is Refusal.NO_ARTIFACT
    with sessions.begin() as session:
        assert endorse(session, linked, "U0NOBODY", NOW, ZONE).refusal is Refusal.UNKNOWN_PERSON


def test_endorsements_of_a_forgotten_person_are_erased_with_them(sessions, tmp_path):
    load_bigger_org(sessions, tmp_path)
    bobs, carols = share(sessions, "bob", "bobs"), share(sessions, "carol", "carols")
    assert click(sessions, bobs, "dan").ok and click(sessions, carols, "dan").ok
    assert click(sessions, carols, "erin").ok and click(sessions, bobs, "erin").ok
    forget(sessions, now=NOW, email="dan@example.com")  # the endorser
    forget(sessions, now=NOW, email="bob@example.com")  # an author
    with sessions() as session:
        left = session.execute(select(Endorsement.artifact_id, func.count()).group_by(Endorsement.artifact_id)).all()
    assert left == [(carols, 1)]  # Erin's endorsement of Carol's artifact only
    assert units(sessions, "carol") == Decimal(1) + Decimal("0.5")
