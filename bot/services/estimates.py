"""Work-unit estimates for artifacts, through the injected LLM, and admins' overrides.

Model calls are budgeted: estimates run in the daily batch (the scheduler's `estimates` job and
`buildboard estimate`), never once per save, and only for counted artifacts — at most
BUILDBOARD_MAX_COUNTED_ARTIFACTS per person-week. An estimate never makes an artifact worth more
than its evidence allows (no link → BUILDBOARD_UNLINKED_WORK_UNITS), so text in a description that
talks the model into a bigger number gains nothing. Runs in jobs and commands, never in a Slack
listener: a call can take seconds. Each estimate
reads the artifact in one short transaction, calls the model with no transaction open, and
writes the result in another. A failed call (no key, timeout, 429, 5xx, malformed answer)
leaves the default work units and counts an attempt; `estimate_pending` retries later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Artifact
from bot.db.output import counted, ranked_artifacts
from bot.domain.claims import DEFAULT_CLAIM_RULES, ClaimRules, evidence_cap
from bot.domain.estimates import ESTIMATE_SCHEMA, one_line, parse_override, scale_value
from bot.domain.periods import IsoWeek
from bot.domain.workunits import work_units_for
from bot.llm.client import LlmAnswer, LlmClient
from bot.llm.prompts import ESTIMATE_INSTRUCTIONS, as_data
from bot.services.llm_usage import record_llm_usage

log = logging.getLogger(__name__)

PURPOSE = "work_unit_estimate"
MAX_ATTEMPTS = 5  # after this many failed calls an artifact waits for `buildboard estimate --retry-failed`
DESCRIPTION_LIMIT = 2000  # characters of the description sent


class ArtifactNotFound(ValueError):
    pass


def _apply(artifact: Artifact, *, now: datetime, rules: ClaimRules) -> None:
    """Recompute the work units that count: override, else estimate, else the hours-based default (within evidence)."""
    units, source = work_units_for(
        artifact.hours_saved_per_week,
        estimate=artifact.work_units_estimate,
        override=artifact.work_units_override,
        cap=evidence_cap(artifact.url, rules),
    )
    artifact.work_units, artifact.work_units_source, artifact.updated_at = units, source, now


def artifact_data(artifact: Artifact) -> dict[str, Any]:
    """What the model sees of an artifact: no person, no spend, no tokens, no link."""
    description = artifact.description or ""
    if len(description) > DESCRIPTION_LIMIT:
        description = description[:DESCRIPTION_LIMIT] + "…"
    hours = artifact.hours_saved_per_week
    return {
        "title": artifact.title,
        "kind": artifact.kind,
        "what_it_does": description,
        "hours_saved_per_week_self_reported": None if hours is None else float(hours),
    }


@dataclass(frozen=True)
class EstimateOutcome:
    artifact_id: int
    status: str  # estimated | failed | skipped | no_llm
    detail: str = ""


def estimate_artifact(
    session_factory: sessionmaker[Session],
    llm: LlmClient | None,
    artifact_id: int,
    *,
    now: datetime,
    rules: ClaimRules = DEFAULT_CLAIM_RULES,
) -> EstimateOutcome:
    """Estimate one artifact (again, if it had an estimate); an override stays in force."""
    with session_factory() as session:
        artifact = session.get(Artifact, artifact_id)
        if artifact is None:
            raise ArtifactNotFound(f"no artifact with id {artifact_id}")
        if artifact.title is None:  # its author was forgotten: nothing left to describe
            return EstimateOutcome(artifact_id, "skipped", "the author's data was erased")
        data = as_data("artifact", artifact_data(artifact))
    if llm is None:
        return EstimateOutcome(artifact_id, "no_llm", "no LLM configured; the default work units stay")
    answer = llm.ask(
        purpose=PURPOSE,
        instructions=ESTIMATE_INSTRUCTIONS,
        data=data,
        schema_name="work_unit_estimate",
        schema=ESTIMATE_SCHEMA,
        max_output_tokens=300,
    )
    return _store(session_factory, artifact_id, answer, now=now, rules=rules)


def _store(
    session_factory: sessionmaker[Session], artifact_id: int, answer: LlmAnswer, *, now: datetime, rules: ClaimRules
) -> EstimateOutcome:
    with session_factory.begin() as session:
        record_llm_usage(session, answer, now=now)
        artifact = session.get(Artifact, artifact_id, with_for_update=True)
        if artifact is None:  # deleted while we asked
            return EstimateOutcome(artifact_id, "skipped", "deleted meanwhile")
        if answer.data is None:
            artifact.estimate_attempts = (artifact.estimate_attempts or 0) + 1
            artifact.estimate_error = (answer.error or "no answer")[:200]
            return EstimateOutcome(artifact_id, "failed", answer.error or "no answer")
        units = scale_value(answer.data["work_units"])
        artifact.work_units_estimate = units
        artifact.estimate_category = answer.data["category"][:64]
        artifact.estimate_summary = one_line(answer.data["summary"])
        artifact.estimate_model = answer.model
        artifact.estimated_at = now
        artifact.estimate_attempts = (artifact.estimate_attempts or 0) + 1
        artifact.estimate_error = None
        _apply(artifact, now=now, rules=rules)
        counted_units = Decimal(artifact.work_units).normalize()
        detail = f"{units.normalize():f} work units"
        if counted_units < units and artifact.work_units_source == "estimate":
            detail += f" (counted as {counted_units:f}: no link)"
        return EstimateOutcome(artifact_id, "estimated", detail)


@dataclass
class EstimateReport:
    estimated: int = 0
    failed: int = 0
    left: int = 0  # not tried this run (the model was unavailable, or the limit was reached)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{self.estimated} estimated, {self.failed} failed"
        if self.left:
            text += f", {self.left} left for the next run"
        if self.errors:
            text += f" ({'; '.join(sorted(set(self.errors)))})"
        return text


# Failures that say the service is unavailable, not that this artifact is a problem: stop the run.
_OUTAGE = ("timed out", "rate limited", "HTTP 5", "could not connect", "HTTP 401", "HTTP 403")


def pending_estimates(
    session: Session, *, week: IsoWeek | None, retry_failed: bool, limit: int, cap: int = 3
) -> list[int]:
    """Ids of counted artifacts still waiting for an estimate, oldest first (at most `cap` per person-week).

    An artifact beyond its person-week's first `cap` counts for nothing, so it is never sent to the model.
    """
    ranked = ranked_artifacts(None if week is None else [week.start])
    query = (
        select(Artifact.id)
        .join(ranked, ranked.c.artifact_id == Artifact.id)
        .where(counted(ranked, cap), Artifact.estimated_at.is_(None), Artifact.title.is_not(None))
    )
    if not retry_failed:
        query = query.where(Artifact.estimate_attempts < MAX_ATTEMPTS)
    if week is not None:
        query = query.where(Artifact.week_start == week.start)
    return list(session.scalars(query.order_by(Artifact.created_at, Artifact.id).limit(limit)))


def estimate_pending(
    session_factory: sessionmaker[Session],
    llm: LlmClient | None,
    *,
    now: datetime,
    week: IsoWeek | None = None,
    retry_failed: bool = False,
    limit: int = 200,
    progress: Callable[[EstimateOutcome], None] | None = None,
    rules: ClaimRules = DEFAULT_CLAIM_RULES,
) -> EstimateReport:
    """Estimate every counted artifact without an estimate (the daily job and `buildboard estimate` run this)."""
    with session_factory() as session:
        ids = pending_estimates(
            session, week=week, retry_failed=retry_failed, limit=limit, cap=rules.max_counted_artifacts
        )
    report = EstimateReport()
    if llm is None:
        report.left = len(ids)
        return report
    for position, artifact_id in enumerate(ids):
        outcome = estimate_artifact(session_factory, llm, artifact_id, now=now, rules=rules)
        if progress is not None:
            progress(outcome)
        if outcome.status == "estimated":
            report.estimated += 1
        elif outcome.status == "failed":
            report.failed += 1
            report.errors.append(outcome.detail)
            if outcome.detail.startswith(_OUTAGE):
                # The SDK already retried; hammering an unavailable service helps nobody.
                report.left = len(ids) - position - 1
                log.warning("stopping estimates: %s; %d left for the next run", outcome.detail, report.left)
                break
    return report


def override_work_units(
    session_factory: sessionmaker[Session],
    artifact_id: int,
    work_units: str | Decimal | None,
    *,
    now: datetime,
    rules: ClaimRules = DEFAULT_CLAIM_RULES,
) -> Artifact:
    """Set (or with None, clear) an admin's override; it wins over estimates and survives re-estimation."""
    value = None if work_units is None else parse_override(work_units)
    with session_factory.begin() as session:
        artifact = session.get(Artifact, artifact_id, with_for_update=True)
        if artifact is None:
            raise ArtifactNotFound(f"no artifact with id {artifact_id}")
        artifact.work_units_override = value
        _apply(artifact, now=now, rules=rules)
        session.flush()
        session.expunge(artifact)
        return artifact
