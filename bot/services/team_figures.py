"""Team reports kept between commands: a group's report is computed once and reused until its figures change.

A manager asking `/buildboard team` on Monday, then again, then their manager asking for the tree
above: the figures only change when something is written (usage, artifacts, evidence, the org
chart, seats…), and every such commit raises the figures version (bot/db/figures_version.py).
A write about everyone (usage, the org chart, seats…) makes every kept report stale; a write about
some people (an artifact shared, an endorsement, a reason given for spend) only the reports of
groups those people are in. So a stale report is never shown, and Monday's shares do not make
every manager's report be computed again. Whatever else a report depends on (the settings, the
seats file, the day idle seats are judged on, the code's report format) is part of its key.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Engine, and_, exists, select
from sqlalchemy.orm import Session

from bot.db.models import FiguresChange, FiguresVersion, TeamFigures
from bot.db.query_types import AnySelect
from bot.db.upsert import upsert, upsert_statement
from bot.db.value_sets import of_members
from bot.domain.flags import Flag
from bot.domain.periods import IsoWeek
from bot.domain.reports import IdleSeat, PeriodTotals, PersonLine, TeamReport
from bot.domain.stats import PersonWeek
from bot.settings import Settings

# Raise when TeamReport or its computation changes: reports kept by an older version are then not read.
REPORT_FORMAT = 2
KEY = ("group_kind", "group_key", "last_week_start", "weeks", "variant")
VALUES = ("figures_version", "report", "computed_at")


def variant(settings: Settings, today: date) -> str:
    """What a report depends on besides the database: the settings, the seats file, the day, the format."""
    digest = hashlib.sha256()
    digest.update(f"{REPORT_FORMAT}|{today.isoformat()}|".encode())
    digest.update(settings.model_dump_json().encode())
    if settings.seats_file:
        try:
            digest.update(Path(settings.seats_file).read_bytes())
        except OSError:
            digest.update(b"unreadable")  # computing the report will say what is wrong with it
    return digest.hexdigest()


def kept_report(
    session: Session,
    *,
    kind: str,
    key: str,
    last_week: IsoWeek,
    weeks: int,
    variant: str,
    members: AnySelect | None,
    compute: Callable[[], TeamReport],
    now: datetime,
    quick_writes: Engine | None = None,
) -> TeamReport:
    """The group's kept report if no write since it was computed changed its figures; else `compute()`, kept.

    `members`: the group's person ids as a subquery (None: everyone), for writes recorded person by person.
    `quick_writes`: where a computed report is kept (see `_keep`).
    """
    where = (
        TeamFigures.group_kind == kind,
        TeamFigures.group_key == key,
        TeamFigures.last_week_start == last_week.start,
        TeamFigures.weeks == weeks,
        TeamFigures.variant == variant,
    )
    # Twenty managers asking for the same tree at once compute it once: the others wait for it here.
    keeping = _keeping_for((kind, key, last_week.start, weeks, variant))
    kept_before = keeping.kept  # (read before the lookup: a report kept after it is looked up again below)
    found = _lookup(session, where, members)
    if found is None:  # the version's row is gone (a test emptied every table): nothing kept can be trusted
        return compute()
    if found.report is not None:
        return report_from_json(found.report)
    lock = keeping.lock
    waited = not lock.acquire(blocking=False)
    if waited:
        lock.acquire()
    try:
        # Waited, or another thread kept the report between the lookup and the lock (it computed, kept and let go
        # in that gap, so the lock was free): look again.
        if waited or keeping.kept != kept_before:
            found = _lookup(session, where, members)  # a new statement: sees what the thread that held the lock kept
            if found is None:
                return compute()
            if found.report is not None:
                return report_from_json(found.report)
        report = compute()
        row = {
            "group_kind": kind,
            "group_key": key,
            "last_week_start": last_week.start,
            "weeks": weeks,
            "variant": variant,
            "figures_version": found.version,
            "report": report_to_json(report),
            "computed_at": now,
        }
        _keep(session, row, quick_writes)
        keeping.kept += 1
    finally:
        lock.release()
    return report


class Found(NamedTuple):
    version: int  # the figures version now
    report: str | None  # the kept report, if it still holds


def _lookup(session: Session, where: tuple[ColumnElement[bool], ...], members: AnySelect | None) -> Found | None:
    """The current figures version and the kept report if it still holds (None: the version's row is gone).

    A report kept before the last write about everyone is stale. One kept after it is stale only if a write
    since recorded one of the group's people in figures_changes (an artifact shared, an endorsement…).
    The version is read before anything is computed: a write committed after it makes what is computed stale.
    """
    # One statement, so the changes are read as of the same moment as the versions (a write about everyone
    # committed in between deletes the changes below it).
    changed = (
        exists()
        .where(FiguresChange.version > TeamFigures.figures_version, *of_members(FiguresChange.person_id, members))
        .correlate(TeamFigures)
    )
    found = session.execute(
        select(FiguresVersion.version, TeamFigures.report, changed)
        .select_from(FiguresVersion)
        .outerjoin(TeamFigures, and_(TeamFigures.figures_version >= FiguresVersion.everyone_version, *where))
        .where(FiguresVersion.id == 1)
    ).first()
    if found is None:
        return None
    version, report, stale = found
    return Found(int(version), None if stale else report)


def _keep(session: Session, row: dict[str, Any], quick_writes: Engine | None) -> None:
    """Keep the report, committed at once (so threads waiting for it see it) when the caller's transaction allows.

    Through `quick_writes` (bot.db.engine.make_quick_writes_engine) it is one autocommitted statement: no
    ping, no BEGIN or COMMIT, and on PostgreSQL a commit that does not wait for the disk (a report a crash
    loses is only computed again). Without it, a transaction of its own on the session's engine.
    One entry per key, replaced; an entry computed at an older version only ever costs a recomputation.
    Entries a write about everyone made stale go with that write (bot/db/figures_version.py).
    On SQLite a transaction that already wrote holds the file's write lock: the entry is then written in it.
    """
    bind = session.get_bind()
    driver = session.connection().connection.dbapi_connection
    if not isinstance(bind, Engine) or (bind.dialect.name == "sqlite" and getattr(driver, "in_transaction", True)):
        upsert(session, TeamFigures.__table__, [row], key=KEY, update=VALUES, only_if_changed=False)
        return
    statement = _keep_statement(bind.dialect.name)
    if quick_writes is not None:
        with quick_writes.connect() as connection:
            connection.execute(statement, [row])
            connection.commit()  # nothing to send on an autocommit engine
        return
    with bind.begin() as connection:
        connection.execute(statement, [row])


@lru_cache(maxsize=2)
def _keep_statement(dialect: str) -> Any:
    """_keep's upsert, built once per database kind (building it was a fifth of keeping a report)."""
    return upsert_statement(dialect, TeamFigures.__table__, key=KEY, update=VALUES, only_if_changed=False)


class _Keeping:
    """One kept report's key in this process: the lock its computations take, and how many times it was kept."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.kept = 0  # changed only while holding `lock`


_keepings: dict[tuple[Any, ...], _Keeping] = {}
_keepings_guard = threading.Lock()


def _keeping_for(key: tuple[Any, ...]) -> _Keeping:
    with _keepings_guard:
        if len(_keepings) > 10_000:  # old weeks' keys: forget them (a lock in use is only a wait lost)
            _keepings.clear()
        keeping = _keepings.get(key)
        if keeping is None:
            keeping = _keepings[key] = _Keeping()
        return keeping


# ------------------------------------------------------------------ TeamReport as JSON (Decimals as text)


def _week(week: IsoWeek) -> list[int]:
    return [week.year, week.week]


def _stats(stats: PersonWeek) -> list[Any]:
    return [
        stats.person_id,
        stats.tokens,
        str(stats.spend_usd),
        stats.active_days,
        stats.artifacts,
        str(stats.work_units),
        stats.longest_streak,
    ]


def _line(line: PersonLine) -> list[Any]:
    return [line.person_id, line.name, line.slack_user_id, line.team, line.in_org, line.active, _stats(line.stats)]


def _totals(totals: PeriodTotals) -> list[Any]:
    return [
        totals.people,
        totals.active_people,
        totals.tokens,
        str(totals.spend_usd),
        totals.artifacts,
        str(totals.work_units),
        str(totals.evidenced_spend_usd),
    ]


def report_to_json(report: TeamReport) -> str:
    return json.dumps(
        {
            "group_label": report.group_label,
            "weeks": [_week(w) for w in report.weeks],
            "totals": _totals(report.totals),
            "previous": _totals(report.previous),
            "top_builders": [_line(line) for line in report.top_builders],
            "flagged": [
                [_line(line), [[f.kind, _week(f.week), f.detail] for f in flags]] for line, flags in report.flagged
            ],
            "table": None if report.table is None else [_line(line) for line in report.table],
            "flagged_count": report.flagged_count,
            "people_with_numbers": report.people_with_numbers,
            "code": [
                report.code_commits,
                report.code_pull_requests,
                report.cursor_requests,
                report.cursor_accepted_lines,
                report.copilot_interactions,
                report.copilot_lines_added,
            ],
            "seat_cost_usd": str(report.seat_cost_usd),
            "idle_seats": [
                [
                    s.person_id,
                    s.name,
                    s.slack_user_id,
                    s.tool,
                    s.plan_label,
                    None if s.monthly_usd is None else str(s.monthly_usd),
                    None if s.last_active_day is None else s.last_active_day.isoformat(),
                ]
                for s in report.idle_seats
            ],
            "idle_seat_days": report.idle_seat_days,
        },
        separators=(",", ":"),
    )


def _week_from(pair: list[int]) -> IsoWeek:
    return IsoWeek(pair[0], pair[1])


def _stats_from(row: list[Any]) -> PersonWeek:
    pid, tokens, spend, days, artifacts, units, streak = row
    return PersonWeek(pid, tokens, Decimal(spend), days, artifacts, Decimal(units), streak)


def _line_from(row: list[Any]) -> PersonLine:
    pid, name, slack_id, team, in_org, active, stats = row
    return PersonLine(pid, name, slack_id, team, in_org, active, _stats_from(stats))


def _totals_from(row: list[Any]) -> PeriodTotals:
    people, active, tokens, spend, artifacts, units, evidenced = row
    return PeriodTotals(people, active, tokens, Decimal(spend), artifacts, Decimal(units), Decimal(evidenced))


def report_from_json(text: str) -> TeamReport:
    data = json.loads(text)
    commits, prs, requests, accepted, interactions, lines_added = data["code"]
    return TeamReport(
        group_label=data["group_label"],
        weeks=[_week_from(w) for w in data["weeks"]],
        totals=_totals_from(data["totals"]),
        previous=_totals_from(data["previous"]),
        top_builders=[_line_from(row) for row in data["top_builders"]],
        flagged=[
            (_line_from(line), [Flag(kind, _week_from(week), detail) for kind, week, detail in flags])
            for line, flags in data["flagged"]
        ],
        table=None if data["table"] is None else [_line_from(row) for row in data["table"]],
        flagged_count=data["flagged_count"],
        people_with_numbers=data["people_with_numbers"],
        code_commits=commits,
        code_pull_requests=prs,
        cursor_requests=requests,
        cursor_accepted_lines=accepted,
        copilot_interactions=interactions,
        copilot_lines_added=lines_added,
        seat_cost_usd=Decimal(data["seat_cost_usd"]),
        idle_seats=[
            IdleSeat(
                pid,
                name,
                slack_id,
                tool,
                plan,
                None if monthly is None else Decimal(monthly),
                None if last is None else date.fromisoformat(last),
            )
            for pid, name, slack_id, tool, plan, monthly, last in data["idle_seats"]
        ],
        idle_seat_days=data["idle_seat_days"],
    )
