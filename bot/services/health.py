"""What /healthz and /readyz report: the process, the database, Slack's verdict on the token,
the scheduler's leader, the outbox backlog and each job's last run. Counts are SQL aggregates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.db import job_runs
from bot.db.leases import current_leader
from bot.db.models import OutboxMessage
from bot.db.slack_auth import read_auth_error
from bot.domain.failures import public_failure


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def outbox_backlog(session: Session, now: datetime) -> dict[str, Any]:
    counts = dict(session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    # SQLite's min() bypasses the column type: a naive datetime, or even an ISO string.
    found: object = session.scalar(
        select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status.in_(("pending", "sending")))
    )
    oldest = datetime.fromisoformat(found) if isinstance(found, str) else found
    if isinstance(oldest, datetime) and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    if not isinstance(oldest, datetime):
        oldest = None
    return {
        "pending": int(counts.get("pending", 0)),
        "sending": int(counts.get("sending", 0)),
        "failed": int(counts.get("failed", 0)),
        "sent": int(counts.get("sent", 0)),
        "oldest_pending_age_seconds": round((now - oldest).total_seconds(), 1) if oldest is not None else None,
    }


def health(
    sessions: sessionmaker[Session], *, slack_api_status: Callable[[], str] | None = None
) -> tuple[int, dict[str, Any]]:
    """200 when the process is up and the database answers (a refused token or unreachable Slack is reported)."""
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
        auth_error = read_auth_error(sessions)
    except Exception:  # any database failure means unhealthy
        return 503, {"status": "unhealthy", "database": "unreachable"}
    body: dict[str, Any] = {"status": "ok", "database": "ok", "slack_auth_error": auth_error}
    if slack_api_status is not None:
        # "reachable", "unreachable" or "unknown": a cached probe, so /healthz never waits on Slack.
        body["slack_api"] = slack_api_status()
    if auth_error:
        body["status"] = "degraded"
        body["detail"] = f"Slack refuses the bot token ({auth_error}): nothing is sent until SLACK_BOT_TOKEN is fixed"
    return 200, body


def readiness(
    sessions: sessionmaker[Session],
    now: datetime,
    *,
    holder: str | None = None,
    slack_api_status: Callable[[], str] | None = None,
) -> tuple[int, dict[str, Any]]:
    """The health answer plus the leader, the outbox backlog and every job's last run."""
    status, body = health(sessions, slack_api_status=slack_api_status)
    if status != 200:
        return status, body
    leader = current_leader(sessions)
    with sessions() as session:
        body["outbox"] = outbox_backlog(session, now)
    body["leader"] = (
        {
            "holder": leader.holder,
            "expires_at": _iso(leader.expires_at),
            "alive": leader.expires_at > now,
            "this_process": holder is not None and leader.holder == holder,
        }
        if leader is not None
        else None
    )
    body["jobs"] = {
        name: {
            "last_started_at": _iso(run.last_started_at),
            "last_success_at": _iso(run.last_success_at),
            # Rows written before errors were summarised may hold raw text: publish the summary only.
            "last_error": public_failure(run.last_error),
            "last_error_at": _iso(run.last_error_at),
        }
        for name, run in job_runs.all_runs(sessions).items()
    }
    return 200, body
