"""`/buildboard leaderboard` in-process at the organisation's size: the first answer after the figures change (it
sorts the week) and the answers after it (they read the head of the process's kept ranking), callers in turn,
beside a bare read of the week's ten biggest spenders from the weekly rollup."""

from __future__ import annotations

from datetime import timedelta
from itertools import cycle

from sqlalchemy import select, text

from bench.core import Result, interleaved, seconds, timed
from bench.setup import NOW
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import Person
from bot.domain.periods import IsoWeek
from bot.services.personal import my_leaderboard
from bot.services.standings import WeekStandings
from bot.settings import Settings

KEPT_TARGET_S = 0.1
CALLERS = 50
# The data ends on the Sunday before NOW: the leaderboard is asked on that week's Saturday, its week so far.
ASKED_AT = NOW - timedelta(days=4)
BARE_TOP = text(
    "SELECT person_id, tokens, cost_usd FROM usage_weekly WHERE week_start = :week ORDER BY cost_usd DESC LIMIT 10"
)


def run(database: str, url: str, repeats: int, log=print) -> Result:
    settings = Settings(database_url=url, _env_file=None)
    week = IsoWeek.current(ASKED_AT, settings.zone)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    try:
        with sessions() as session:
            callers = cycle(
                session.scalars(
                    select(Person.slack_user_id)
                    .where(Person.slack_user_id.is_not(None))
                    .order_by(Person.id)
                    .limit(CALLERS)
                ).all()
            )
        standings = WeekStandings()  # the process's (Runtime.week_standings)
        ranked = 0

        def baseline():
            with engine.connect() as connection:
                return connection.execute(BARE_TOP, {"week": week.start}).all()

        def measured():
            nonlocal ranked
            with sessions() as session:
                board = my_leaderboard(session, next(callers), ASKED_AT, settings, standings=standings)
                if board is None:
                    raise RuntimeError("a caller is not in the people file")
                ranked = board.ranked_people

        baseline()
        first = timed(measured)
        log(f"  [{database}] leaderboard: first answer {seconds(first)}; {repeats} alternating runs of each …")
        base, kept = interleaved(baseline, measured, repeats)
    finally:
        engine.dispose()
    return Result(
        database,
        f"/buildboard leaderboard ({ranked:,} ranked), in-process",
        f"{seconds(base)} (bare SQL: the week's top 10 by spend)",
        f"{seconds(kept)} (first answer, sorting the week: {seconds(first)})",
        kept / base,
        f"< {KEPT_TARGET_S * 1000:.0f} ms (kept ranking)",
        kept < KEPT_TARGET_S,
        f"median of {repeats}, callers in turn, one kept ranking as `buildboard serve` keeps it",
    )
