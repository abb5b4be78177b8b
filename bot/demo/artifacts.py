"""Demo: a few heavy users share what they built (until the share modal's own demo step replaces this).

Deterministic: people are picked by their rank by spend in each week. The top spender of the
demo week shares nothing, so the digest shows the Goodhart guard: no Token Legend for tokens alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Artifact, Person
from bot.domain.periods import IsoWeek
from bot.domain.ranking import ranks_by_spend
from bot.domain.workunits import work_units_for
from bot.services.stats import person_weeks

# (rank by spend that week, title, kind, hours saved per week, link)
THIS_WEEK = [
    (3, "Incident timeline writer", "automation or agent", 40, "https://git.example.com/sre/timeline-writer"),
    (2, "Contract clause checker", "tool or app", 12, "https://tools.example.com/clauses"),
    (4, "Churn analysis for Q4 cohorts", "analysis or report", 6, "https://docs.example.com/churn-q4"),
    (6, "Flaky test quarantine bot", "code change", 8, "https://git.example.com/ci/quarantine"),
    (9, "Onboarding FAQ assistant", "tool or app", None, None),
    (12, "Prompt library for support", "document", 2, "https://wiki.example.com/support-prompts"),
    (15, "Tried agents for SQL migrations", "experiment or learning", None, None),
]
EARLIER_WEEKS = [
    (3, "Incident timeline writer (first cut)", "automation or agent", 40, "https://git.example.com/sre/timeline"),
    (5, "Release notes drafter", "automation or agent", 4, "https://git.example.com/release/notes"),
]


def _share(session: Session, week: IsoWeek, picks, now: datetime) -> list[tuple[str, str]]:
    weeks = person_weeks(session, week)
    by_rank = {rank: pid for pid, rank in ranks_by_spend(weeks.values()).items()}
    shared = []
    for minute, (rank, title, kind, hours, url) in enumerate(picks):
        person_id = by_rank.get(rank)
        if person_id is None:
            continue
        stats = weeks[person_id]
        units, source = work_units_for(Decimal(hours) if hours is not None else None)
        at = now - timedelta(days=(IsoWeek.containing(now.date()).start - week.start).days) + timedelta(minutes=minute)
        session.add(
            Artifact(
                person_id=person_id,
                week_start=week.start,
                title=title,
                url=url,
                description=f"{title}: built with AI this week.",
                kind=kind,
                hours_saved_per_week=Decimal(hours) if hours is not None else None,
                share_in_channel=url is not None,
                tokens_snapshot=stats.tokens,
                spend_snapshot_usd=stats.spend_usd,
                work_units=units,
                work_units_source=source,
                created_at=at,
                updated_at=at,
            )
        )
        name = session.scalar(select(Person.name).where(Person.id == person_id)) or "someone"
        shared.append((name, title))
    return shared


def share_demo_artifacts(session: Session, week: IsoWeek, now: datetime) -> dict[IsoWeek, list[tuple[str, str]]]:
    """Artifacts for the two weeks before `week` and for `week` itself; returns who shared what."""
    shared = {}
    for earlier in (week.previous(2), week.previous()):
        shared[earlier] = _share(session, earlier, EARLIER_WEEKS, now)
    shared[week] = _share(session, week, THIS_WEEK, now)
    session.flush()
    return shared
