"""`/buildboard team` (12 weeks) for the manager whose group is nearest 50,000 people, against the bare SQL
of that group's 12 weeks: the million-person target is "team stats for a 50,000-person manager under 1 s"."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import text

from bench.core import Result, interleaved, seconds, timed
from bench.setup import (
    NOW,
    forget_a_days_output,
    forget_kept_output,
    forget_period_figures,
    share_a_days_output,
)
from bot.db.engine import make_engine, make_session_factory
from bot.domain.command_args import Target
from bot.domain.periods import IsoWeek
from bot.services.authority import Viewer
from bot.services.team import Group, team_answer, team_report
from bot.settings import Settings

GROUP_PEOPLE = 50_000
SECONDS_TARGET = 1.0
WEEKS = 12
NEAREST_MANAGER = text(
    "SELECT ancestor_id, count(*) FROM org_closure GROUP BY ancestor_id"
    " ORDER BY abs(count(*) - :size), ancestor_id LIMIT 1"
)
SHARING_A_DAY = 40  # one person in 40 shares an artifact a day (about 12 % a week: 2,000 a day of 80,000)
PEOPLE_WITH_USAGE = text("SELECT DISTINCT person_id FROM usage_weekly ORDER BY person_id")
BARE_GROUP_WEEKS = text(
    "SELECT w.week_start, count(*), sum(w.tokens), sum(w.cost_usd) FROM org_closure c"
    " JOIN usage_weekly w ON w.person_id = c.descendant_id"
    " WHERE c.ancestor_id = :manager AND w.week_start BETWEEN :first AND :last GROUP BY w.week_start"
)


def run(database: str, url: str, repeats: int, log=print) -> Result:
    settings = Settings(database_url=url, _env_file=None)
    last = IsoWeek.last_complete(NOW, settings.zone)
    first = last.start - timedelta(weeks=WEEKS - 1)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    try:
        with engine.connect() as connection:
            manager, size = connection.execute(NEAREST_MANAGER, {"size": GROUP_PEOPLE}).one()

        def baseline():
            with engine.connect() as connection:
                return connection.execute(
                    BARE_GROUP_WEEKS, {"manager": manager, "first": first, "last": last.start}
                ).all()

        def measured():
            with sessions.begin() as session:
                answer = team_answer(session, Viewer(manager, False), Target(), WEEKS, settings, now=NOW)
                if answer.report is None:
                    raise RuntimeError(f"team answer refused: {answer.refusal}")
                return answer

        # The morning after the nightly job (period sums built), then a day's shares, each a write about one
        # person, whose sums the report adds up again from their weeks.
        with engine.connect() as connection:
            with_usage = list(connection.execute(PEOPLE_WITH_USAGE).scalars())
        sharers = sorted(random.Random(11).sample(with_usage, len(with_usage) // SHARING_A_DAY))
        share_a_days_output(url, sharers, last.start)
        # The first answer computes the report (none is kept: a fresh database, or emptied here); the
        # rest read it back until a write makes it stale. The target is the computed one's.
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM team_figures"))
        baseline()
        computed = timed(measured)
        log(f"  [{database}] team of {size:,}: computed in {seconds(computed)}; {repeats} alternating runs of each …")
        base, kept = interleaved(baseline, measured, repeats)
        # The report alone, its counted output summed from output_weekly or (the table forgotten inside a
        # transaction that is rolled back) computed from artifacts, pull requests and endorsements.
        group = Group.tree(manager, "", size)

        def report(output_kept: bool, sums_kept: bool = True):
            def compute():
                with sessions() as session:
                    if not output_kept:
                        forget_kept_output(session)
                    if not sums_kept:
                        forget_period_figures(session)
                    team_report(session, group, last, WEEKS, settings)
                    session.rollback()

            return compute

        rounds = max(3, repeats // 2)
        from_table, recomputed = interleaved(report(True), report(False), rounds)
        log(f"  [{database}] the report alone: output kept {seconds(from_table)}, computed {seconds(recomputed)}")
        _, summed = interleaved(report(True), report(True, sums_kept=False), rounds)
        log(
            f"  [{database}] the report alone, its period sums not read (each member's weeks summed): {seconds(summed)}"
        )
    finally:
        forget_a_days_output(url)
        engine.dispose()
    return Result(
        database,
        f"/buildboard team ({size:,} people, {WEEKS} weeks), in-process",
        f"{seconds(base)} (bare SQL of the group's weeks)",
        f"{seconds(computed)} computed, {seconds(kept)} kept (team_answer)",
        computed / base,
        f"< {SECONDS_TARGET:g} s (computed)",
        computed < SECONDS_TARGET,
        f"kept: median of {repeats}; the manager whose group is nearest {GROUP_PEOPLE:,} people; after the night's "
        f"period sums and {len(sharers):,} shares since; the report alone with its counted output read from "
        f"output_weekly {seconds(from_table)}, computed {seconds(recomputed)}; its period sums not read (every "
        f"member's weeks summed) {seconds(summed)}",
    )
