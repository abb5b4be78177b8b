"""Demo: a few heavy users share what they built, through the same code as the share modal.

Deterministic: people are picked by their rank by spend in each week. The top spender of the
demo week shares nothing, so the digest shows the Goodhart guard: nobody without output is ranked
or named, and no Token Legend for tokens alone. One person shares five quick things without links:
only the first three count, at 0.5 work units each (bounded claims, see bot/domain/claims.py).
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

# (rank by spend that week, title, kind (a key of bot.domain.artifacts.KINDS), hours saved per week, link,
#  what it does and for whom). More than 8 hours a week saved needs a link; descriptions say enough to count.
THIS_WEEK = [
    (3, "Incident timeline writer", "automation", 40, "https://git.example.com/sre/timeline-writer",
     "Builds the incident timeline from Slack and PagerDuty for the on-call SREs."),
    (2, "Contract clause checker", "tool", 12, "https://tools.example.com/clauses",
     "Flags risky clauses in supplier contracts before legal review."),
    (4, "Churn analysis for Q4 cohorts", "analysis", 6, "https://docs.example.com/churn-q4",
     "Explains which Q4 cohorts churned and why, for the growth team."),
    (6, "Flaky test quarantine bot", "code_change", 8, "https://git.example.com/ci/quarantine",
     "Moves flaky tests out of the main CI run and files a ticket for each."),
    (9, "Onboarding FAQ assistant", "tool", None, None,
     "Answers new joiners' questions from the handbook (a prototype, no link yet)."),
    (12, "Prompt library for support", "document", 2, "https://wiki.example.com/support-prompts",
     "Tested prompts for the support team's most common replies."),
    (15, "Tried agents for SQL migrations", "experiment", None, None,
     "Tried coding agents on three schema migrations; notes on what worked."),
    # Someone sharing a lot of quick things without links: only the first three count, 0.5 work units each.
    (25, "Meeting notes summary", "document", None, None, "Summarised this week's planning meetings for myself."),
    (25, "Spreadsheet formula fix", "other", None, None, "Fixed a broken formula in the team budget sheet."),
    (25, "Email draft for vendors", "document", None, None, "Drafted the quarterly email to our print vendors."),
    (25, "Slide outline for all-hands", "document", None, None, "Outlined the slides for Friday's all-hands meeting."),
    (25, "Regex for log search", "other", None, None, "Wrote a regex to find timeouts in the gateway logs."),
]  # fmt: skip
EARLIER_WEEKS = [
    (3, "Incident timeline writer (first cut)", "automation", 40, "https://git.example.com/sre/timeline",
     "A first cut of the incident timeline, from Slack only, for the on-call SREs."),
    (5, "Release notes drafter", "automation", 4, "https://git.example.com/release/notes",
     "Drafts release notes from merged pull requests for the product managers."),
]  # fmt: skip


def _share_week(
    sessions: sessionmaker[Session],
    client: WebClient,
    settings: Settings,
    week: IsoWeek,
    picks,
    now: datetime,
    this_week: IsoWeek,
) -> list[tuple[str, str]]:
    with sessions() as session:
        by_rank = {rank: pid for pid, rank in ranks_by_spend(person_weeks(session, week).values()).items()}
        people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(list(by_rank.values()))))}
    shared = []
    for rank, title, kind, hours, url, description in picks:
        person = people.get(by_rank.get(rank, -1))
        if person is None or not person.slack_user_id:
            continue
        form = {
            "title": title,
            # A link counts once in the organisation: each week's cut has its own page.
            "url": f"{url}/{week}" if url and week != this_week else (url or ""),
            "description": description,
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
            fields=share_fields(form, settings.claim_rules),
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
        shared[earlier] = _share_week(sessions, client, settings, earlier, EARLIER_WEEKS, now, week)
    shared[week] = _share_week(sessions, client, settings, week, THIS_WEEK, now, week)
    return shared
