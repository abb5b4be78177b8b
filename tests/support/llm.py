"""Artifacts for the LLM tests, and an LLM client pointed at the fake OpenAI server."""

from __future__ import annotations

from decimal import Decimal

from pydantic import SecretStr
from sqlalchemy import select

from bot.db.models import Artifact, Person
from bot.domain.periods import IsoWeek
from bot.ingest.prices import prices_for_llm
from bot.llm.client import build_llm
from tests.conftest import NOW, make_settings

W47 = IsoWeek(2026, 47)
TEST_KEY = "sk-test-not-a-real-key"
# A well-formed work-unit estimate, as the model answers it.
GOOD_ESTIMATE = {"work_units": 3, "category": "automation", "summary": "Triages support tickets for the support team."}


def llm_settings(database_url, slack, fake, **overrides):
    values = dict(
        openai_api_key=SecretStr(TEST_KEY),
        openai_base_url=fake.base_url,
        llm_timeout_seconds=5.0,
        llm_max_retries=2,
    )
    values.update(overrides)
    return make_settings(database_url, slack, **values)


def llm_for(database_url, slack, fake, **overrides):
    settings = llm_settings(database_url, slack, fake, **overrides)
    client = build_llm(settings, prices_for_llm(settings.prices_file))
    assert client is not None
    return client


def add_artifact(
    sessions,
    email: str,
    title: str,
    *,
    description: str = "A small tool.",
    kind: str = "tool",
    hours: str | None = None,
    week: IsoWeek = W47,
    spend: str = "0",
    tokens: int = 0,
    work_units: str = "1",
) -> int:
    """An artifact as the share modal stores it (with the spend behind it), by its author's email."""
    with sessions.begin() as session:
        person_id = session.scalars(select(Person.id).where(Person.email == email)).one()
        artifact = Artifact(
            person_id=person_id,
            week_start=week.start,
            title=title,
            url=f"https://git.example.com/{title.split()[0].lower()}",
            description=description,
            kind=kind,
            hours_saved_per_week=None if hours is None else Decimal(hours),
            share_in_channel=False,
            tokens_snapshot=tokens,
            spend_snapshot_usd=Decimal(spend),
            work_units=Decimal(work_units),
            work_units_source="default",
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(artifact)
        session.flush()
        return artifact.id


def set_person(sessions, email: str, **values) -> None:
    with sessions.begin() as session:
        person = session.scalars(select(Person).where(Person.email == email)).one()
        for name, value in values.items():
            setattr(person, name, value)
