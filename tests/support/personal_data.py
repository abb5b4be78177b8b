"""Rows that identify a person in every table: artifacts, nudges, awards, audit, outbox, code activity, job errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import JSON, String, Text, cast, func, or_, select

from bot.db.models import (
    AppState,
    Artifact,
    Award,
    Base,
    CodeActivityDaily,
    JobRun,
    Nudge,
    OutboxMessage,
    Person,
)
from bot.domain.reports import ViewedGroup
from bot.services.audit import record_view
from bot.services.exports import EXPORTERS
from tests.conftest import NOW

W46_START, W47_START = date(2026, 11, 9), date(2026, 11, 16)


def ids(session) -> dict[str, int]:
    return {p.email: p.id for p in session.scalars(select(Person).where(Person.email.is_not(None)))}


def add_personal_history(sessions, email: str = "carol@example.com") -> None:
    """Give `email` (a Platform engineer under Bob) everything a person can leave behind."""
    with sessions.begin() as session:
        people = ids(session)
        me, bob, dan = people[email], people["bob@example.com"], people["dan@example.com"]
        person = session.get(Person, me)
        for week in (W46_START, W47_START):
            session.add(
                Artifact(
                    person_id=me,
                    week_start=week,
                    title=f"{person.name}'s release checker",
                    url=f"https://git.example.com/{email.split('@')[0]}/checker",
                    description=f"Built by {person.name} ({email}) for the Platform on-call rota",
                    kind="tool",
                    hours_saved_per_week=Decimal("2.5"),
                    work_units=Decimal(2),
                    estimate_summary=f"{person.name} automated release checks",
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        session.add(
            Nudge(
                person_id=me,
                week_start=W47_START,
                status="nothing_to_show",
                tokens=860_000,
                spend_usd=Decimal(95),
                rank=2,
                reason="exploring",
                reason_text="Carol Chen was reading the new SDK docs",
                created_at=NOW,
            )
        )
        session.add(
            Award(week_start=W47_START, title_key="token_titan", person_id=me, metric_value=Decimal(1), created_at=NOW)
        )
        session.add(
            CodeActivityDaily(
                person_id=me, day=W47_START, provider="claude_code", sessions=3, lines_added=120, updated_at=NOW
            )
        )
        # Bob (her manager) looked at her numbers; she looked at Dan's (as an admin, say).
        record_view(
            session, viewer_id=bob, group=ViewedGroup("person", me), action="user", detail="user <@U0CAROL>", now=NOW
        )
        record_view(
            session, viewer_id=me, group=ViewedGroup("person", dan), action="user", detail="user <@U0DAN>", now=NOW
        )
        # Someone else's view, whose description happens to name her.
        record_view(
            session,
            viewer_id=bob,
            group=ViewedGroup("person", dan),
            action="team",
            detail=f"team of {email}, Carol Chen",
            now=NOW,
        )
        session.add(
            OutboxMessage(
                idempotency_key=f"nudge:{me}:2026-W47",
                kind="nudge",
                channel="U0CAROL",
                payload={"text": "Hi Carol Chen, what did you build?"},
                person_id=me,
                status="sent",
                not_before=NOW,
                created_at=NOW,
            )
        )
        session.add(
            OutboxMessage(
                idempotency_key="showcase:2026-W47:1",
                kind="showcase",
                channel="C0DIGEST",
                payload={"text": "<@U0CAROL|carol> shared Carol Chen's release checker", "blocks": []},
                status="sent",
                not_before=NOW,
                created_at=NOW,
            )
        )
        session.add(JobRun(job="nudges", last_error=f"users.lookupByEmail failed for {email.upper()}"))
        session.add(AppState(key="last_failed_dm", value="U0CAROL", updated_at=NOW))


def text_columns():
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, (String, Text, JSON)):
                yield table, column


def traces_in_database(session, needles: list[str]) -> list[tuple[str, str, str]]:
    """Every (table, column, value) whose text contains a needle, in every text and JSON column of the schema."""
    found = []
    for table, column in text_columns():
        searched = cast(column, Text) if isinstance(column.type, JSON) else column
        condition = or_(*[func.lower(searched).contains(n.lower(), autoescape=True) for n in needles])
        for (value,) in session.execute(select(column).where(condition)):
            found.append((table.name, column.name, str(value)))
    return found


def all_exports(session) -> str:
    """Every export, in every format, concatenated."""
    out = io.StringIO()
    for name, writer in EXPORTERS.items():
        for fmt in ("csv", "json"):
            out.write(f"--- {name} {fmt}\n")
            writer(session, week=None, fmt=fmt, out=out)
    return out.getvalue()


def dump_tables(session) -> str:
    """Every row of every table, as text: to compare a database before and after."""
    rows = {}
    for table in Base.metadata.sorted_tables:
        key = list(table.primary_key.columns)
        rows[table.name] = [
            [str(v) for v in row] for row in session.execute(select(*table.columns).order_by(*key)).all()
        ]
    return json.dumps(rows, sort_keys=True)


def days(start: date, count: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(count)]


def sqlite_bytes_at_rest(paths) -> bytes:
    """The bytes of SQLite's files (database, write-ahead log), read by a child process, lower-cased.

    Never read them with open() in this process while its connections are open: closing any
    descriptor of a file drops every POSIX lock this process holds on it, SQLite's locks included,
    and a later connection then resets the write-ahead log index under the open ones ("disk I/O error").
    """
    script = "import sys\nfor p in sys.argv[1:]:\n    sys.stdout.buffer.write(open(p, 'rb').read())"
    existing = [str(p) for p in paths if Path(p).exists()]
    return subprocess.run([sys.executable, "-c", script, *existing], capture_output=True, check=True).stdout.lower()
