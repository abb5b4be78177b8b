"""/readyz shows a job's failure as its class and a short reason, never database error text (it carries emails)."""

import json

from sqlalchemy.exc import IntegrityError

from bot.db import job_runs
from bot.db.models import JobRun
from tests.conftest import NOW

EMAIL = "carol.chen@example.com"
DATABASE_TEXT = (
    '(psycopg.errors.UniqueViolation) duplicate key value violates unique constraint "uq_people_email"\n'
    f"DETAIL:  Key (email)=({EMAIL}) already exists.\n"
    "[SQL: INSERT INTO people (email, name) VALUES (%(email)s, %(name)s)]\n"
    f"[parameters: {{'email': '{EMAIL}', 'name': None}}]"
)


class UniqueViolation(Exception):
    """Stands in for psycopg's class of the same name."""


def test_a_job_failure_carrying_an_email_is_shown_by_class_only(sessions, slack_http):
    failure = IntegrityError("INSERT INTO people …", {"email": EMAIL}, UniqueViolation(DATABASE_TEXT))
    job_runs.record_start(sessions, "usage_sync", NOW)
    job_runs.record_error(sessions, "usage_sync", NOW, job_runs.describe_failure(failure))
    # Recorded as raw text (as the scheduler did before), and an ordinary failure naming a person.
    job_runs.record_error(sessions, "outbox", NOW, f"IntegrityError: {DATABASE_TEXT}")
    with sessions.begin() as session:
        session.add(JobRun(job="nudges", last_error=f"LookupError: no Slack user for {EMAIL}", last_error_at=NOW))
        session.add(JobRun(job="digest", last_error=DATABASE_TEXT, last_error_at=NOW))

    status, body = slack_http.get("/readyz")

    assert status == 200
    assert EMAIL not in json.dumps(body) and "carol" not in json.dumps(body).lower()
    jobs = body["jobs"]
    assert jobs["usage_sync"]["last_error"] == (
        "IntegrityError (UniqueViolation): a database error (the details are in the log)"
    )
    assert jobs["outbox"]["last_error"] == "IntegrityError: a database error (the details are in the log)"
    assert jobs["nudges"]["last_error"] == "LookupError: no Slack user for <email>"
    assert jobs["digest"]["last_error"] == "Error: a database error (the details are in the log)"
    with sessions() as session:  # nor is it kept at rest by the recorder
        assert EMAIL not in (session.get(JobRun, "outbox").last_error or "")
