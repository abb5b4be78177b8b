"""Slash commands through the real HTTP endpoint (`buildboard serve` in its own process) against a
bare Bolt app acknowledging the same signed command, at 20 concurrent requests."""

from __future__ import annotations

import csv
import hashlib
import hmac
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from unittest.mock import patch

from sqlalchemy import create_engine, text

from bench.core import Result, percentile
from bench.data import Dataset
from bot.demo.standin.slack import SlackStandIn

SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench-token"
CONCURRENCY = 20
THREADS = 8  # `buildboard serve --threads` default
TEAM_P99_MS = 500
TEAM_BURST = 200  # commands in the 5,000-person burst
TOP_P99_MS = 1000  # the top of the organisation
TOP_BURST = 100
MIX_P99_MS = 300  # the Monday mix
MIX_MANAGERS = 1000
MIX_SEED = 20
MORNING_SEED = 21  # the morning after the nightly team reports: other managers than the cold mix's
ME_RATIO = 3.0


class _TimedResponses(list):
    """The stand-in's response_url log, stamped with the arrival time of each answer."""

    def __init__(self):
        super().__init__()
        self.arrived: dict[str, float] = {}

    def append(self, item):
        self.arrived.setdefault(item["url"], time.perf_counter())
        super().append(item)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_listening(port: int, process: subprocess.Popen, log, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited early: {log.read().decode()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start listening")


def _server_env(url: str, standin: SlackStandIn) -> dict[str, str]:
    env = dict(
        os.environ,
        DATABASE_URL=url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=standin.base_url,
    )
    env.pop("SLACK_APP_TOKEN", None)
    return env


class Server:
    def __init__(self, kind: str, url: str, standin: SlackStandIn):
        self.port = _free_port()
        if kind == "real":
            env = _server_env(url, standin)
            command = [
                str(Path(sys.executable).with_name("buildboard")),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-scheduler",
                "--threads",
                str(THREADS),
            ]
        else:
            env = dict(os.environ)
            command = [
                sys.executable,
                "-m",
                "bench.bare_app",
                str(self.port),
                SIGNING_SECRET,
                str(THREADS),
                standin.base_url,
            ]
        # A file, not a pipe nobody reads: under load the server logs a line per queued request (waitress), and
        # once a pipe's 64 KB were full every thread that logged blocked, so answers were lost.
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=self.log)
        _wait_listening(self.port, self.process, self.log)

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def _post_command(port: int, text: str, user_id: str, response_url: str) -> tuple[int, float]:
    form = {
        "command": "/buildboard",
        "text": text,
        "user_id": user_id,
        "user_name": user_id.lower(),
        "team_id": "T1",
        "channel_id": "C0RANDOM",
        "response_url": response_url,
        "trigger_id": "trig.1",
        "api_app_id": "A1",
    }
    body = urllib.parse.urlencode(form)
    ts = str(int(time.time()))
    signature = "v0=" + hmac.new(SIGNING_SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/slack/events",
        data=body.encode(),
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature,
        },
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
        return response.status, started


def load(
    port: int,
    standin: SlackStandIn,
    text: str,
    users: list[str],
    requests: int,
    expect_answer: bool,
    *,
    wait_for_answer: bool = False,
) -> tuple[list[float], list[float], int]:
    """`requests` commands from CONCURRENCY clients: ack latencies, response_url latencies (s), errors.

    `wait_for_answer`: each client waits for its answer before it sends its next command (CONCURRENCY
    people asking at once, each reading the answer); otherwise the commands are a burst as fast as the
    acks come back, and the answers queue.
    """
    timed = _TimedResponses()
    standin.responses_to_url = timed
    acks: list[float] = []
    sent_at: dict[str, float] = {}
    errors = 0
    lock = threading.Lock()

    def one(i: int) -> None:
        nonlocal errors
        url = standin.response_url(f"bench{i}")
        try:
            status, started = _post_command(port, text, users[i % len(users)], url)
            took = time.perf_counter() - started
        except OSError:
            with lock:
                errors += 1
            return
        with lock:
            sent_at[url] = started
            if status == 200:
                acks.append(took)
            else:
                errors += 1
        if wait_for_answer and status == 200:
            deadline = time.monotonic() + 300
            while url not in timed.arrived and time.monotonic() < deadline:
                time.sleep(0.005)

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(one, range(requests)))
    answers: list[float] = []
    if expect_answer:
        deadline = time.monotonic() + 900
        while len(timed.arrived) < len(sent_at) and time.monotonic() < deadline:
            time.sleep(0.05)
        answers = [timed.arrived[url] - started for url, started in sent_at.items() if url in timed.arrived]
        errors += len(sent_at) - len(answers)
    return acks, answers, errors


def _ms(value: float) -> str:
    return f"{value * 1000:.0f} ms"


def _people(ds: Dataset) -> list[dict]:
    with open(ds.people_csv, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _sizes(people: list[dict]) -> dict[str, int]:
    """Manager's email → how many people are below them (managers only)."""
    reports: dict[str, list[str]] = defaultdict(list)
    for person in people:
        if person["manager_email"]:
            reports[person["manager_email"]].append(person["email"])
    below: dict[str, int] = {}
    for person in reversed(people):  # depth-first order: reports come after their managers
        email = person["email"]
        below[email] = sum(1 + below[r] for r in reports.get(email, ()))
    return {email: below[email] for email in reports}


def manager_of(ds: Dataset, size: int) -> tuple[str, int]:
    """The Slack id of the manager whose whole organisation is closest to `size` people, and its size."""
    people = _people(ds)
    sizes = _sizes(people)
    best = min((p for p in people if p["email"] in sizes), key=lambda p: abs(sizes[p["email"]] - size))
    return best["slack_user_id"], sizes[best["email"]]


def monday_managers(ds: Dataset, count: int, seed: int = MIX_SEED) -> tuple[list[str], list[int]]:
    """`count` managers drawn at random from the tree (so their sizes are as in the tree): Slack ids, sizes."""
    people = _people(ds)
    sizes = _sizes(people)
    managers = [p for p in people if p["email"] in sizes]
    chosen = random.Random(seed).sample(managers, min(count, len(managers)))
    return [p["slack_user_id"] for p in chosen], [sizes[p["email"]] for p in chosen]


def _team_burst(
    database: str, port: int, standin: SlackStandIn, manager: str, size: int, requests: int, target_ms: int, base_p99
) -> Result:
    """One command alone (the report computed), then `requests` at CONCURRENCY (it is kept: see the note)."""
    _, first, first_errors = load(port, standin, "team 12", [manager], 1, expect_answer=True)
    acks, answers, errors = load(
        port, standin, "team 12", [manager], requests, expect_answer=True, wait_for_answer=True
    )
    errors += first_errors
    ack_p99, answer_p99 = percentile(acks, 99), percentile(answers, 99)
    return Result(
        database,
        f"/buildboard team ({size:,} people, 12 weeks), {requests} by {CONCURRENCY} askers at once",
        f"p99 {_ms(base_p99)} (bare Bolt ack)",
        f"ack p99 {_ms(ack_p99)}; answer p99 {_ms(answer_p99)}",
        answer_p99 / base_p99,
        f"p99 < {target_ms} ms (ack and answer)",
        ack_p99 < target_ms / 1000 and answer_p99 < target_ms / 1000 and errors == 0,
        f"ratio is answer p99 / bare ack p99; answer p50 {_ms(percentile(answers, 50))}; the first command "
        f"alone (report computed, then kept) {_ms(first[0]) if first else 'lost'}; errors {errors}",
    )


def _monday_mix(
    database: str, port: int, standin: SlackStandIn, ds: Dataset, base_p99: float, *, seed: int = MIX_SEED, night=None
) -> Result:
    managers, sizes = monday_managers(ds, MIX_MANAGERS, seed)
    acks, answers, errors = load(
        port, standin, "team", managers, len(managers), expect_answer=True, wait_for_answer=True
    )
    ack_p99, answer_p99 = percentile(acks, 99), percentile(answers, 99)
    ordered = sorted(sizes)
    if night is None:
        title, before = "Monday mix", "each manager asks once (nothing kept beforehand)"
    else:
        title = "Monday mix after the nightly team reports"
        before = (
            f"other managers than the cold mix's, each asks once, after the nightly job ({night.summary()}, "
            "in-process, nothing else running)"
        )
    return Result(
        database,
        f"{title}: /buildboard team by {len(managers):,} managers, {CONCURRENCY} in flight",
        f"p99 {_ms(base_p99)} (bare Bolt ack)",
        f"ack p99 {_ms(ack_p99)}; answer p99 {_ms(answer_p99)}",
        answer_p99 / base_p99,
        f"answer p99 < {MIX_P99_MS} ms",
        answer_p99 < MIX_P99_MS / 1000 and errors == 0,
        f"{before}; team sizes median {ordered[len(ordered) // 2]:,}, "
        f"p90 {ordered[int(len(ordered) * 0.9)]:,}, p99 {ordered[int(len(ordered) * 0.99)]:,}, largest "
        f"{ordered[-1]:,}; answer p50 {_ms(percentile(answers, 50))}; errors {errors}",
    )


def _nightly_team_reports(url: str, standin: SlackStandIn):
    """The scheduler's nightly `team_reports` job, in-process, with the settings the server runs with (a kept
    report's key holds a digest of them)."""
    from bot.db.engine import make_engine, make_quick_writes_engine, make_session_factory
    from bot.services.team import keep_team_reports
    from bot.settings import Settings

    with patch.dict(os.environ, _server_env(url, standin), clear=True):
        settings = Settings()
    engine = make_engine(url)
    quick_writes = make_quick_writes_engine(url)  # as the scheduler's job keeps them (Runtime.quick_writes_engine)
    try:
        return keep_team_reports(make_session_factory(engine), settings, datetime.now(UTC), quick_writes=quick_writes)
    finally:
        quick_writes.dispose()
        engine.dispose()


def _period_figures_as_the_server_keeps_them(url: str, standin: SlackStandIn) -> str:
    """Each person's period sums and the flag candidates for the week the server answers about (its clock is the
    real one), as its scheduler's `period_figures` job keeps them within minutes of any write about everyone (the
    server here runs without a scheduler). Returns what was built, as the job's log line says it."""
    from bot.db.engine import make_engine, make_session_factory
    from bot.domain.periods import IsoWeek
    from bot.services.period_figures import built_summary, ensure_period_figures
    from bot.settings import Settings

    with patch.dict(os.environ, _server_env(url, standin), clear=True):
        settings = Settings()
    now = datetime.now(UTC)
    engine = make_engine(url)
    try:
        last = IsoWeek.last_complete(now, settings.zone)
        built = ensure_period_figures(make_session_factory(engine), last, settings, now)
    finally:
        engine.dispose()
    return f"{last}: " + ("still held" if built is None else built_summary(built))


def _forget_kept_reports(url: str) -> None:
    """Team reports kept by an earlier run (`--reuse`) would answer at once: every first answer is computed.

    On PostgreSQL the deleted rows are vacuumed away, as autovacuum would soon do on a server that runs it (this
    machine's runs without): otherwise every report kept afterwards would look past 12,000 dead ones.
    """
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM team_figures"))
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM team_figures"))
    finally:
        engine.dispose()


def run(database: str, url: str, ds: Dataset, requests: int, log=print) -> list[Result]:
    people = _people(ds)
    users = [p["slack_user_id"] for p in people[:: max(1, len(people) // 500)]]
    results: list[Result] = []
    with SlackStandIn() as standin:
        log(f"  [{database}] http: bare Bolt app, {requests} acks at {CONCURRENCY} concurrent …")
        bare = Server("bare", url, standin)
        try:
            bare_acks, _, bare_errors = load(bare.port, standin, "me", users, requests, expect_answer=False)
        finally:
            bare.close()
        base_p99 = percentile(bare_acks, 99)
        _forget_kept_reports(url)
        log(f"  [{database}] http: period sums for {_period_figures_as_the_server_keeps_them(url, standin)}")
        real = Server("real", url, standin)
        try:
            log(f"  [{database}] http: /buildboard me through `buildboard serve` …")
            acks, answers, errors = load(real.port, standin, "me", users, requests, expect_answer=True)
            ack_p99, answer_p99 = percentile(acks, 99), percentile(answers, 99)
            ratio = ack_p99 / base_p99
            results.append(
                Result(
                    database,
                    f"/buildboard me, {CONCURRENCY} concurrent (ack)",
                    f"p99 {_ms(base_p99)} (bare Bolt ack)",
                    f"p99 {_ms(ack_p99)}",
                    ratio,
                    f"p99 ≤ {ME_RATIO:g}× baseline",
                    ratio <= ME_RATIO and errors == 0 and bare_errors == 0,
                    f"{requests} requests; answer via response_url p50 {_ms(percentile(answers, 50))}, "
                    f"p99 {_ms(answer_p99)} ({answer_p99 / base_p99:.1f}× the bare ack); errors {errors}",
                )
            )
            manager, size = manager_of(ds, 5_000)
            burst = min(requests, TEAM_BURST)
            log(f"  [{database}] http: /buildboard team for a manager of {size:,}, {burst} at once …")
            results.append(_team_burst(database, real.port, standin, manager, size, burst, TEAM_P99_MS, base_p99))
            top, size = manager_of(ds, ds.people)
            burst = min(requests, TOP_BURST)
            log(f"  [{database}] http: /buildboard team for the top of the organisation ({size:,}), {burst} at once …")
            results.append(_team_burst(database, real.port, standin, top, size, burst, TOP_P99_MS, base_p99))
            log(f"  [{database}] http: the Monday mix ({MIX_MANAGERS:,} managers, {CONCURRENCY} in flight) …")
            results.append(_monday_mix(database, real.port, standin, ds, base_p99))
            log(f"  [{database}] http: the nightly team reports, then the Monday mix again (other managers) …")
            night = _nightly_team_reports(url, standin)
            results.append(_monday_mix(database, real.port, standin, ds, base_p99, seed=MORNING_SEED, night=night))
        finally:
            real.close()
    return results
