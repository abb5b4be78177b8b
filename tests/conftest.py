"""Shared fixtures: a real database through migrations, a local Slack, the real HTTP endpoint.

SQLite by default; set TEST_DATABASE_URL to run everything against PostgreSQL. Under CI=true an
unreachable PostgreSQL fails the run instead of skipping it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from bot.db.engine import make_engine, make_session_factory, upgrade
from bot.db.models import (
    Base,
    OrgChartVersion,
    OrgClosure,
    OrgClosureHistory,
    Person,
    TeamHistory,
    UsageDaily,
    UsageWeekly,
    UsageWeeklyTotal,
)
from bot.db.output import person_output
from bot.db.output_weekly import OUTPUT_WEEKLY, kept_for, kept_output, output_weeks, rebuild_output_weekly
from bot.db.usage_weekly import week_start_of
from bot.demo.standin.slack import SlackStandIn
from bot.domain.claims import DEFAULT_CLAIM_RULES
from bot.runtime import Runtime
from bot.settings import Settings

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
DIGEST_CHANNEL = "C0DIGEST"
# A Wednesday: the last complete week is 2026-W47 (16–22 Nov 2026).
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _postgres_reset(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'buildboard-test.db'}"
        upgrade(url)
        return url
    try:
        _postgres_reset(url)
    except Exception as exc:  # an unreachable database
        if os.environ.get("CI") == "true":
            pytest.fail(
                f"TEST_DATABASE_URL is set but the database is unreachable: {type(exc).__name__}: {exc}", pytrace=False
            )
        pytest.skip(f"PostgreSQL at TEST_DATABASE_URL unreachable ({type(exc).__name__})")
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def assert_usage_weekly_matches_usage_daily(engine) -> None:
    """The weekly rollup equals usage_daily summed by person and week, and its weekly totals the rollup summed
    by week, whatever the test wrote.

    Checked after every test that used the database, so a write path that forgets to refresh the
    rollup fails the test that exercised it.
    """
    week = week_start_of(UsageDaily.day)
    with Session(engine) as session:
        expected = {
            (str(monday), person_id): (int(tokens), Decimal(cost), int(days))
            for monday, person_id, tokens, cost, days in session.execute(
                select(
                    week,
                    UsageDaily.person_id,
                    func.sum(UsageDaily.input_tokens + UsageDaily.output_tokens),
                    func.sum(UsageDaily.cost_usd),
                    func.count(func.distinct(UsageDaily.day)),
                )
                .where(UsageDaily.cost_source != "seat")  # seat rows are not use (bot/db/usage_weekly.py)
                .group_by(week, UsageDaily.person_id)
            )
        }
        stored = {
            (str(row.week_start), row.person_id): (row.tokens, Decimal(row.cost_usd), row.active_days)
            for row in session.scalars(select(UsageWeekly))
        }
    drift = {key for key in expected.keys() | stored.keys() if expected.get(key) != stored.get(key)}
    assert not drift, f"usage_weekly disagrees with usage_daily for (week, person) {sorted(drift)[:5]}"
    with Session(engine) as session:
        # Summed by the database, as the refresh sums (SQLite keeps NUMERIC as REAL: a sum of the rounded
        # per-person values could differ in the last place).
        sums = {
            str(monday): (int(tokens), Decimal(cost), int(people))
            for monday, tokens, cost, people in session.execute(
                select(
                    UsageWeekly.week_start, func.sum(UsageWeekly.tokens), func.sum(UsageWeekly.cost_usd), func.count()
                ).group_by(UsageWeekly.week_start)
            )
        }
        totals = {
            str(row.week_start): (row.tokens, Decimal(row.cost_usd), row.active_people)
            for row in session.scalars(select(UsageWeeklyTotal))
        }
    wrong = sorted(week for week in sums.keys() | totals.keys() if sums.get(week) != totals.get(week))
    assert not wrong, f"usage_weekly_totals disagrees with usage_weekly for weeks {wrong[:5]}"


def keep_output_weekly(engine) -> None:
    """Start every test with output_weekly kept (empty, for the default cap), so that every write a test makes
    through the product keeps it, or forgets it, and `assert_output_weekly_matches_output` checks which."""
    assert rebuild_output_weekly(make_session_factory(engine), DEFAULT_CLAIM_RULES.max_counted_artifacts) == 0


def assert_output_weekly_matches_output(engine) -> None:
    """While output_weekly says it is kept, it equals person_output computed over every week, whatever the test
    wrote (a write that forgot it leaves it not kept, which is allowed: reports compute the output then)."""
    with Session(engine) as session:
        cap = kept_for(session)
        if cap is None:
            return
        starts = output_weeks(session)
        expected = {tuple(row) for row in session.execute(person_output(starts, cap=cap))} if starts else set()
        stored = {tuple(row) for row in session.execute(kept_output(starts))} if starts else set()
        unread = session.scalar(
            select(func.count())
            .select_from(OUTPUT_WEEKLY)
            .where(OUTPUT_WEEKLY.c.week_start.not_in(starts or [date.min]))
        )
    expected = {_output_row(row) for row in expected}
    stored = {_output_row(row) for row in stored}
    assert not unread, f"output_weekly keeps {unread} rows of weeks nothing is counted in"
    assert stored == expected, (
        f"output_weekly disagrees with person_output: kept but not computed {sorted(stored - expected)[:3]}, "
        f"computed but not kept {sorted(expected - stored)[:3]}"
    )


def _output_row(row) -> tuple:
    """(week, person, counts, units) in one form on both databases (SQLite returns REAL sums and date strings)."""
    person_id, week_start, *counts = row
    return (str(week_start), int(person_id), *(Decimal(str(value)).quantize(Decimal("0.01")) for value in counts))


def assert_org_history_matches_org_chart(engine) -> None:
    """The org chart's history agrees with the chart now (org_closure, people.team_key).

    Every pair held now has its valid_from within the versions given so far, after every ended interval of
    the same pair (ended intervals are non-empty and do not overlap), and every person has exactly their
    team as the open team_history row. Checked after every test that used the database, so a write path
    that changes a manager or a team without keeping the history the audit trail reads fails the test
    that exercised it.
    """
    with Session(engine) as session:

        def pairs(query) -> set[tuple]:
            return {tuple(row) for row in session.execute(query)}

        version = session.scalar(select(OrgChartVersion.version)) or 0
        held = {
            (a, d): since
            for a, d, since in session.execute(
                select(OrgClosure.ancestor_id, OrgClosure.descendant_id, OrgClosure.valid_from)
            )
        }
        ended: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for a, d, start, end in session.execute(
            select(
                OrgClosureHistory.ancestor_id,
                OrgClosureHistory.descendant_id,
                OrgClosureHistory.valid_from,
                OrgClosureHistory.valid_to,
            )
        ):
            ended.setdefault((a, d), []).append((start, end))
        teams = pairs(select(Person.id, Person.team_key))
        open_teams = pairs(select(TeamHistory.person_id, TeamHistory.team_key).where(TeamHistory.valid_to.is_(None)))
    wrong_since = sorted(pair for pair, since in held.items() if not 0 < since <= version)[:5]
    assert not wrong_since, f"org_closure holds pairs from outside versions 1..{version}: {wrong_since}"
    for pair, intervals in ended.items():
        intervals.sort()
        assert all(0 < start <= end <= version for start, end in intervals), f"ended {pair}: {intervals}"
        assert all(a[1] <= b[0] for a, b in zip(intervals, intervals[1:], strict=False)), (
            f"overlapping history {pair}: {intervals}"
        )
        assert pair not in held or intervals[-1][1] <= held[pair], f"{pair} held since {held[pair]}: {intervals}"
    teams_differ = sorted(teams ^ open_teams, key=str)[:5]
    assert teams == open_teams, f"team_history disagrees with people.team_key: {teams_differ}"


@pytest.fixture
def sessions(engine):
    """A session factory on a clean database (every table emptied after the test)."""
    factory = make_session_factory(engine)
    keep_output_weekly(engine)
    yield factory
    assert_usage_weekly_matches_usage_daily(engine)
    assert_output_weekly_matches_output(engine)
    assert_org_history_matches_org_chart(engine)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture(autouse=True)
def logging_as_it_was():
    """Undo what a command run in-process did to logging.

    `runtime()` points the root logger at the sys.stderr of that moment, which under pytest is the test's
    capture, closed when the test ends: every later warning (a listener's, say) then printed
    "--- Logging error --- ValueError: I/O operation on closed file" instead of its message.
    """
    import logging

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {
        name: logger.level for name, logger in root.manager.loggerDict.items() if isinstance(logger, logging.Logger)
    }
    yield
    root.handlers[:], root.level = handlers, level
    for name, logger in root.manager.loggerDict.items():
        if isinstance(logger, logging.Logger) and logger.level != levels.get(name, logging.NOTSET):
            logger.setLevel(levels.get(name, logging.NOTSET))


@pytest.fixture
def fake():
    """The local OpenAI stand-in. Modules whose `fake` is another provider's stand-in define their own."""
    from tests.fakes.openai_api import FakeOpenAI

    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def slack():
    with SlackStandIn(channels=[DIGEST_CHANNEL]) as standin:
        yield standin


def make_settings(database_url: str, slack: SlackStandIn | None = None, **overrides) -> Settings:
    values = dict(
        database_url=database_url,
        slack_bot_token=SecretStr(BOT_TOKEN),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=slack.base_url if slack else "http://127.0.0.1:9/api/",
        digest_channel=DIGEST_CHANNEL,
        _env_file=None,
    )
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(database_url, slack) -> Settings:
    return make_settings(database_url, slack)


@pytest.fixture
def rt(settings, engine, sessions) -> Runtime:
    runtime = Runtime(settings, clock=lambda: NOW)
    runtime.__dict__["engine"] = engine  # share the session-wide engine (cached_property slot)
    runtime.__dict__["sessions"] = sessions
    return runtime


@dataclass
class SlackHttp:
    """The app's real HTTP endpoint, and a way to send it requests signed like Slack's."""

    base_url: str
    slack: SlackStandIn

    def post(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        timestamp: int | None = None,
        secret: str = SIGNING_SECRET,
        signature: str | None = None,
    ):
        ts = str(timestamp if timestamp is not None else int(time.time()))
        if signature is None:
            digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
            signature = f"v0={digest}"
        request = urllib.request.Request(
            self.base_url + "/slack/events",
            data=body.encode(),
            method="POST",
            headers={"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read().decode()
                return response.status, (json.loads(raw) if raw.startswith("{") else raw)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def command(self, text: str, *, user_id: str, name: str = "cmd", trigger_id: str = "trig.1"):
        """Send `/buildboard <text>` as `user_id`; returns (status, ack body, response_url)."""
        response_url = self.slack.response_url(name)
        form = {
            "command": "/buildboard",
            "text": text,
            "user_id": user_id,
            "user_name": user_id.lower(),
            "team_id": "T1",
            "channel_id": "C0RANDOM",
            "response_url": response_url,
            "trigger_id": trigger_id,
            "token": "legacy-verification-token-unused",
            "api_app_id": "A1",
        }
        status, body = self.post(urllib.parse.urlencode(form))
        return status, body, response_url

    def responses(self, url: str, count: int = 1, timeout: float = 5.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [r["body"] for r in self.slack.responses_to_url if r["url"] == url]
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(
            f"expected {count} response(s) at {url}; got "
            f"{[r['body'] for r in self.slack.responses_to_url if r['url'] == url]}"
        )

    def get(self, path: str):
        try:
            with urllib.request.urlopen(self.base_url + path, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")


@contextmanager
def serving(rt: Runtime, slack: SlackStandIn, **create_app_options):
    """The real app served by waitress on 127.0.0.1 (random port), talking to the Slack stand-in."""
    from bot.slack.app import create_app
    from bot.slack.http import BuildboardWsgi, make_server, stop_from_another_thread
    from bot.slack.identity import SlackIdentity
    from bot.slack.replay import ReplayGuard

    listeners = ThreadPoolExecutor(max_workers=5, thread_name_prefix="bolt-listener")
    identity = SlackIdentity(rt.slack)
    app = create_app(rt, listener_executor=listeners, identity=identity, **create_app_options)
    endpoint = BuildboardWsgi(
        app,
        rt.sessions,
        signing_secret=SIGNING_SECRET,
        slack_api_status=identity.api_status,
        replays=ReplayGuard(rt.quick_writes_engine),  # as `buildboard serve` records them
    )
    server = make_server(endpoint, "127.0.0.1", 0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield SlackHttp(f"http://127.0.0.1:{server.effective_port}", slack)
    finally:
        stop_from_another_thread(server)
        thread.join(timeout=5)
        # Listeners and answers still working after the test would race the database cleanup: let them finish.
        listeners.shutdown(wait=True)
        rt.close()


@pytest.fixture
def slack_http(rt, slack):
    """The real app over HTTP (see `serving`)."""
    with serving(rt, slack) as http:
        yield http


DATA = Path(__file__).parent / "data"


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only checks run in the PostgreSQL pass (TEST_DATABASE_URL), not the SQLite one."""
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        return
    kept = [item for item in items if "postgres_only" not in item.keywords]
    deselected = [item for item in items if "postgres_only" in item.keywords]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept
