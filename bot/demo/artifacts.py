"""Demo: a few heavy users share what they built, through the same code as the share modal.

Deterministic: people are picked by their rank by spend in each week. The top spender of the
demo week shares nothing, so the digest shows the Goodhart guard: no Token Legend for tokens alone.
"""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Person
from bot.domain.artifacts import share_fields
from bot.domain.periods import IsoWeek
from bot.domain.ranking import ranks_by_spend
from bot.services.sharing import share
from bot.services.stats import person_weeks
from bot.settings import Settings
from bot.slack.nudge_dms import SlackNudgeDms

# (rank by spend that week, title, kind (a key of bot.domain.artifacts.KINDS), hours saved per week, link)
THIS_WEEK = [
    (3, "Incident timeline writer", "automation", 40, "https://git.example.com/sre/timeline-writer"),
    (2, "Contract clause checker", "tool", 12, "https://tools.example.com/clauses"),
    (4, "Churn analysis for Q4 cohorts", "analysis", 6, "https://docs.example.com/churn-q4"),
    (6, "Flaky test quarantine bot", "code_change", 8, "https://git.example.com/ci/quarantine"),
    (9, "Onboarding FAQ assistant", "tool", None, None),
    (12, "Prompt library for support", "document", 2, "https://wiki.example.com/support-prompts"),
    (15, "Tried agents for SQL migrations", "experiment", None, None),
]
EARLIER_WEEKS = [
    (3, "Incident timeline writer (first cut)", "automation", 40, "https://git.example.com/sre/timeline"),
    (5, "Release notes drafter", "automation", 4, "https://git.example.com/release/notes"),
]


def _share_week(
    sessions: sessionmaker[Session], client: WebClient, settings: Settings, week: IsoWeek, picks, now: datetime
) -> list[tuple[str, str]]:
    with sessions() as session:
        by_rank = {rank: pid for pid, rank in ranks_by_spend(person_weeks(session, week).values()).items()}
        people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(list(by_rank.values()))))}
    shared = []
    for rank, title, kind, hours, url in picks:
        person = people.get(by_rank.get(rank, -1))
        if person is None or not person.slack_user_id:
            continue
        form = {
            "title": title,
            "url": url or "",
            "description": f"{title}: built with AI this week, for the team.",
            "kind": kind,
            "hours_saved": str(hours) if hours is not None else "",
            "share_in_channel": False,  # the digest highlights them; the showcase is shown by the nudge answers
        }
        share(
            sessions,
            SlackNudgeDms(client),
            None,
            settings,
            slack_user_id=person.slack_user_id,
            week=week,
            fields=share_fields(form),
            now=now,
        )
        shared.append((person.name or "someone", title))
    return shared


def share_demo_artifacts(
    sessions: sessionmaker[Session], client: WebClient, settings: Settings, week: IsoWeek, now: datetime
) -> dict[IsoWeek, list[tuple[str, str]]]:
    """Artifacts for the two weeks before `week` and for `week` itself; returns who shared what."""
    shared = {}
    for earlier in (week.previous(2), week.previous()):
        shared[earlier] = _share_week(sessions, client, settings, earlier, EARLIER_WEEKS, now)
    shared[week] = _share_week(sessions, client, settings, week, THIS_WEEK, now)
    return shared
