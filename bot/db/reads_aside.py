"""Reads that need nothing from each other, asked on connections of their own while the caller goes on.

The digest asks several questions that do not depend on each other (the organisation's weeks for the
chart, the highlights, the teams' totals) besides the ones it must ask in turn (who ranks, who holds a
title, who is named). Asked one after the other, PostgreSQL works on one core while Python waits, then
Python works while PostgreSQL waits. `reads_aside` asks the independent ones on pooled connections of
their own, in worker threads, and each answer is taken where it is needed.

Only where another connection reads what the caller's session would: on PostgreSQL, with the session
bound to an engine, in READ COMMITTED (each statement sees what was committed when it started, on any
connection), and while the session's transaction has neither written a table a figure reads
(bot/db/figures_version.py marks it) nor holds unflushed changes. Otherwise, and on SQLite, each read
runs on the caller's session when its answer is first asked for, as if it had been written there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, partial
from typing import Generic, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from bot.db.figures_version import wrote_figures

T = TypeVar("T")
WORKERS = 2  # this machine's cores; more connections would only queue in the database


@dataclass(frozen=True)
class Answer(Generic[T]):
    """A read asked aside: `get()` waits for it (or, read in turn, runs it on the caller's session the first time)."""

    get: Callable[[], T]


class ReadsAside:
    """Asks questions (functions of a session) on other connections when that is safe, else in turn."""

    def __init__(self, session: Session, engine: Engine | None, executor: ThreadPoolExecutor | None) -> None:
        self._session, self._engine, self._executor = session, engine, executor

    @classmethod
    def in_turn(cls, session: Session) -> ReadsAside:
        """Every question read on `session` itself, where its answer is first asked for."""
        return cls(session, None, None)

    @property
    def concurrent(self) -> bool:
        return self._executor is not None

    def ask(self, question: Callable[[Session], T]) -> Answer[T]:
        if self._executor is None:
            return Answer(cache(partial(question, self._session)))
        return Answer(self._executor.submit(self._on_own_session, question).result)

    def _on_own_session(self, question: Callable[[Session], T]) -> T:
        with Session(self._engine) as session:  # one session per thread, closed with the read
            return question(session)


def engine_to_share(session: Session) -> Engine | None:
    """The engine other connections may read through instead of `session`, or None (see the module's docstring)."""
    bind = session.get_bind()
    if not isinstance(bind, Engine) or bind.dialect.name != "postgresql":
        return None
    if session.new or session.dirty or session.deleted:
        return None
    connection = session.connection()
    if wrote_figures(connection) or _isolation_level(connection) != "READ COMMITTED":
        return None
    return bind


def _isolation_level(connection: Connection) -> str:
    """The level the connection's transactions run at: the one its execution options ask for, else the server's
    default (read once when the engine first connected). Not `get_isolation_level()`, which asks the server: one
    more round trip of every team report computed on PostgreSQL."""
    asked = connection.get_execution_options().get("isolation_level")
    return str(asked or connection.default_isolation_level)


@contextmanager
def reads_aside(session: Session, *, worth_it: Callable[[], bool] | None = None) -> Iterator[ReadsAside]:
    """Questions asked through the yielded object run beside the caller where that reads the same data.

    `worth_it`, asked only where reading aside is possible, False reads them in turn: two threads, two pooled
    connections and their checks cost more than the reads of a small report take (measured: the 11,413 team
    reports of the nightly job at 85,000 people, median 7 people, took 425 s read aside against 188 s in turn).
    """
    engine = engine_to_share(session)
    if engine is not None and worth_it is not None and not worth_it():
        engine = None
    if engine is None:
        yield ReadsAside.in_turn(session)
        return
    executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="reads-aside")
    try:
        yield ReadsAside(session, engine, executor)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)  # after an error, reads not started are not run
