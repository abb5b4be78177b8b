"""job_runs: each job's last start, success and error, for /readyz and for catching up after downtime."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import JobRun
from bot.domain.failures import failure_summary, public_failure


def _row(session: Session, job: str) -> JobRun:
    row = session.get(JobRun, job)
    if row is None:
        row = JobRun(job=job)
        session.add(row)
        session.flush()
    return row


def record_start(sessions: sessionmaker[Session], job: str, now: datetime) -> None:
    with sessions.begin() as session:
        _row(session, job).last_started_at = now


def record_success(sessions: sessionmaker[Session], job: str, now: datetime) -> None:
    with sessions.begin() as session:
        _row(session, job).last_success_at = now


def describe_failure(exc: BaseException) -> str:
    """The class and a short reason of a job's exception: what job_runs keeps (the log has the traceback)."""
    if isinstance(exc, SQLAlchemyError):
        original = getattr(exc, "orig", None)
        cause = f" ({type(original).__name__})" if original is not None else ""
        return failure_summary(f"{type(exc).__name__}{cause}", "", database=True)
    return failure_summary(type(exc).__name__, str(exc))


def record_error(sessions: sessionmaker[Session], job: str, now: datetime, error: str) -> None:
    """Keep the job's last failure as its class and a short reason, never raw error text (it can carry emails)."""
    with sessions.begin() as session:
        row = _row(session, job)
        row.last_error, row.last_error_at = public_failure(error), now


def last_success(sessions: sessionmaker[Session], job: str) -> datetime | None:
    with sessions() as session:
        return session.scalar(select(JobRun.last_success_at).where(JobRun.job == job))


def all_runs(sessions: sessionmaker[Session]) -> dict[str, JobRun]:
    with sessions() as session:
        return {row.job: row for row in session.scalars(select(JobRun).order_by(JobRun.job))}
