"""The week in a paragraph: told by the LLM from the week's artifacts, or plainly from the data.

Only artifacts of people who may be named in public posts are read (not opted out, still in the
organisation, active, not forgotten); they go to the model as delimited data with no names, no
spend and no tokens. The model answers with a paragraph and the reference numbers of two or
three standouts, chosen from an enum of the references sent, so it cannot point at anything else.
An AI story is kept (app_state) so a re-run of the digest neither pays twice nor changes its words.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import AppState, Artifact, Person
from bot.db.output import counted, ranked_artifacts
from bot.db.public import named_in_public
from bot.db.upsert import upsert
from bot.domain.claims import DEFAULT_CLAIM_RULES
from bot.domain.periods import IsoWeek
from bot.domain.story import (
    STANDOUTS,
    STORY_PARAGRAPH_MAX,
    StoryArtifact,
    WeekStory,
    paragraph_links_kept,
    plain_story,
)
from bot.llm.client import LlmClient
from bot.llm.prompts import STORY_INSTRUCTIONS, as_data
from bot.services.llm_usage import record_llm_usage

log = logging.getLogger(__name__)

PURPOSE = "digest_summary"
MAX_ARTIFACTS = 40  # the biggest by work units; keeps the prompt (and its cost) bounded at any size
DESCRIPTION_LIMIT = 300


def _state_key(week: IsoWeek) -> str:
    return f"week_story:{week}"


def public_artifacts(
    session: Session, week: IsoWeek, limit: int = MAX_ARTIFACTS, *, cap: int = DEFAULT_CLAIM_RULES.max_counted_artifacts
) -> list[StoryArtifact]:
    """The week's counted artifacts (work units above 0) that may appear in public posts, biggest first."""
    ranked = ranked_artifacts([week.start])
    rows = session.execute(
        select(Artifact, Person.name, Person.slack_user_id)
        .join(ranked, ranked.c.artifact_id == Artifact.id)
        .join(Person, Person.id == Artifact.person_id)
        .where(
            counted(ranked, cap),
            Artifact.work_units > 0,
            Artifact.week_start == week.start,
            Artifact.title.is_not(None),
            named_in_public(),
        )
        .order_by(Artifact.work_units.desc(), Artifact.created_at, Artifact.id)
        .limit(limit)
    ).all()
    return [
        StoryArtifact(
            artifact_id=a.id,
            title=a.title or "",
            kind=a.kind,
            description=a.description or "",
            work_units=a.work_units,
            url=a.url,
            author_name=name,
            author_slack_id=slack_id,
        )
        for a, name, slack_id in rows
    ]


def _week_counts(session: Session, week: IsoWeek) -> tuple[int, int, dict[str, int]]:
    """Artifacts, people who shared, and artifacts by kind: organisation-wide aggregates, no names."""
    kinds = dict(
        session.execute(
            select(Artifact.kind, func.count()).where(Artifact.week_start == week.start).group_by(Artifact.kind)
        ).all()
    )
    sharers = session.scalar(
        select(func.count(func.distinct(Artifact.person_id))).where(Artifact.week_start == week.start)
    )
    return sum(kinds.values()), int(sharers or 0), {k: int(v) for k, v in kinds.items()}


def story_schema(refs: list[int]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "paragraph": {"type": "string", "minLength": 20, "maxLength": STORY_PARAGRAPH_MAX},
            "standout_refs": {
                "type": "array",
                "items": {"type": "integer", "enum": refs},
                "maxItems": STANDOUTS,
            },
        },
        "required": ["paragraph", "standout_refs"],
        "additionalProperties": False,
    }


def story_data(artifacts: list[StoryArtifact], kinds: dict[str, int]) -> str:
    """The user message: references, titles, kinds, work units and descriptions — nothing about people."""
    return as_data(
        "week",
        {
            "artifacts_by_kind": kinds,
            "artifacts": [
                {
                    "ref": ref,
                    "title": a.title,
                    "kind": a.kind,
                    "work_units": float(a.work_units),
                    "what_it_does": a.description[:DESCRIPTION_LIMIT],
                }
                for ref, a in enumerate(artifacts, start=1)
            ],
        },
    )


def _cached(session: Session, week: IsoWeek, allowed: dict[int, StoryArtifact]) -> WeekStory | None:
    state = session.get(AppState, _state_key(week))
    if state is None or not state.value:
        return None
    try:
        saved = json.loads(state.value)
        sent, standout_ids = set(saved["sent_ids"]), list(saved["standout_ids"])
        text, model = str(saved["paragraph"]), saved.get("model")
    except (ValueError, KeyError, TypeError):
        return None
    # Someone opted out (or left) since: the saved words may mention their artifact, so tell it again.
    if not sent <= allowed.keys():
        return None
    # Saved by an earlier version, or an artifact's link changed since: only the week's links stay links.
    text = paragraph_links_kept(text, _artifact_urls(allowed.values()))
    return WeekStory(text, [allowed[i] for i in standout_ids if i in allowed], source="ai", model=model)


def _artifact_urls(artifacts: Iterable[StoryArtifact]) -> set[str]:
    return {a.url for a in artifacts if a.url}


def stored_story(session: Session, week: IsoWeek) -> WeekStory:
    """The story as the digest shows it when sent: the saved AI paragraph while still valid, else the plain one.

    Never calls the model: a digest rendered late (after an outage) tells the week from what is stored now.
    """
    artifacts = public_artifacts(session, week)
    cached = _cached(session, week, {a.artifact_id: a for a in artifacts})
    if cached is not None:
        return cached
    total, sharers, kinds = _week_counts(session, week)
    return plain_story(artifacts=total, sharers=sharers, kinds=kinds, standouts=artifacts)


def tell_week(
    session_factory: sessionmaker[Session], llm: LlmClient | None, week: IsoWeek, *, now: datetime
) -> WeekStory:
    """The digest's opening summary for `week`, saved for the send; never raises for an LLM problem."""
    with session_factory() as session:
        artifacts = public_artifacts(session, week)
        total, sharers, kinds = _week_counts(session, week)
        allowed = {a.artifact_id: a for a in artifacts}
        cached = _cached(session, week, allowed)
    fallback = plain_story(artifacts=total, sharers=sharers, kinds=kinds, standouts=artifacts)
    if cached is not None:
        return cached
    if llm is None or not artifacts:
        return fallback
    refs = list(range(1, len(artifacts) + 1))
    answer = llm.ask(
        purpose=PURPOSE,
        instructions=STORY_INSTRUCTIONS,
        data=story_data(artifacts, kinds),
        schema_name="week_story",
        schema=story_schema(refs),
        max_output_tokens=500,
    )
    with session_factory.begin() as session:
        record_llm_usage(session, answer, now=now)
        if answer.data is None:
            return fallback
        # The model may write any link a description asked for: only the week's artifacts' links stay.
        paragraph = paragraph_links_kept(answer.data["paragraph"], _artifact_urls(artifacts))
        chosen = list(dict.fromkeys(answer.data["standout_refs"]))[:STANDOUTS]
        standouts = [artifacts[ref - 1] for ref in chosen] or artifacts[:STANDOUTS]
        story = WeekStory(paragraph, standouts, source="ai", model=answer.model)
        value = json.dumps(
            {
                "paragraph": paragraph,
                "standout_ids": [a.artifact_id for a in standouts],
                "sent_ids": sorted(allowed),
                "model": answer.model,
            }
        )
        # An upsert: a second process telling the same week at the same moment must not fail the digest.
        upsert(
            session,
            AppState.__table__,
            [{"key": _state_key(week), "value": value, "updated_at": now}],
            key=("key",),
            update=("value", "updated_at"),
        )
    return story
