"""Titles for a week: computed from SQL aggregates, stored once per title and week."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from bot.db.models import Artifact, Award, Person, UsageDaily
from bot.db.output_weekly import counted_output, output_kept
from bot.db.public import named_in_public
from bot.db.upsert import dialect_module
from bot.db.value_sets import in_values
from bot.domain.claims import has_output
from bot.domain.periods import IsoWeek
from bot.domain.seats import SEAT_COST_SOURCE
from bot.domain.stats import PersonWeek
from bot.domain.titles import (
    DEFAULT_RULES_FILE,
    TitleAward,
    TitleHistory,
    TitleRule,
    award_titles,
    load_rules,
    longest_run,
)
from bot.ingest.file_state import FileState, file_state
from bot.services.stats import output_weeks
from bot.settings import Settings


def rules_for(settings: Settings) -> list[TitleRule]:
    """The operator's rule file (BUILDBOARD_TITLES_FILE) or the bundled one, parsed once per state of the file
    (an edit is read at the next call)."""
    path = settings.titles_file or DEFAULT_RULES_FILE
    return list(_rules(str(path), file_state(path)))


@lru_cache(maxsize=8)
def _rules(path: str, state: FileState) -> tuple[TitleRule, ...]:
    """The rules of `path` in one state (`state` is the cache key only); a file that cannot be used is not kept."""
    return tuple(load_rules(path))


def longest_runs_in(session: Session, week: IsoWeek) -> Callable[[Sequence[int]], dict[int, int]]:
    """Longest runs of consecutive active days, looked up for a few tied people only."""

    def lookup(person_ids: Sequence[int]) -> dict[int, int]:
        days: dict[int, list[date]] = defaultdict(list)
        # At most 7 rows per person; the ids are one parameter (a statement compiled once, whatever their number).
        for person_id, day in session.execute(
            select(UsageDaily.person_id, UsageDaily.day)
            .where(
                in_values(UsageDaily.person_id, list(person_ids)),
                UsageDaily.day.between(week.start, week.end),
                UsageDaily.cost_source != SEAT_COST_SOURCE,  # holding a seat is not a day of use
            )
            .distinct()
        ):
            days[person_id].append(day)
        return {pid: longest_run(d) for pid, d in days.items()}

    return lookup


def _previous_work_units(session: Session, week: IsoWeek, cap: int) -> dict[int, PersonWeek]:
    """Last week's counted work units of this week's sharers (all Rising Star needs), without an IN list."""
    sharers = select(Artifact.person_id).where(Artifact.week_start == week.start)
    kept = output_kept(session, cap)
    output = counted_output([week.previous().start], sharers, cap=cap, kept=kept).subquery("previous_output")
    rows = session.execute(select(output.c.person_id, output.c.artifacts, output.c.work_units))
    return {pid: PersonWeek(pid, 0, Decimal(0), 0, int(n), Decimal(units or 0)) for pid, n, units in rows}


def _history(session: Session, week: IsoWeek) -> TitleHistory:
    earlier = aliased(Artifact)
    # This week's sharers with nothing before: an index probe per sharer, not a pass over every artifact.
    first = session.scalars(
        select(Artifact.person_id)
        .where(
            Artifact.week_start == week.start,
            ~exists().where(earlier.person_id == Artifact.person_id, earlier.week_start < week.start),
        )
        .distinct()
    )
    holders: dict[str, dict[int, int]] = defaultdict(dict)
    for key, person_id, streak in session.execute(
        select(Award.title_key, Award.person_id, Award.streak_weeks).where(Award.week_start == week.previous().start)
    ):
        holders[key][person_id] = streak
    return TitleHistory(first_artifact_people=frozenset(first), previous_holders=dict(holders))


def titles_for_week(
    session: Session,
    week: IsoWeek,
    settings: Settings,
    *,
    weeks: dict[int, PersonWeek] | None = None,
    rules: Sequence[TitleRule] | None = None,
) -> list[TitleAward]:
    """Who would hold each title for `week` (nothing stored). `weeks` and `rules` save computing them again."""
    rules = rules if rules is not None else rules_for(settings)
    cap = settings.max_counted_artifacts
    weeks = weeks if weeks is not None else output_weeks(session, week, cap=cap)
    # Only people with counted output can hold a title: who of them may be named, not the whole organisation.
    with_output = [pid for pid, w in weeks.items() if has_output(w.work_units)]
    eligible = set(session.scalars(select(Person.id).where(in_values(Person.id, with_output), named_in_public())))
    return award_titles(
        weeks.values(),
        _previous_work_units(session, week, cap),
        _history(session, week),
        rules=rules,
        require_artifact=settings.titles_require_artifact,
        eligible=eligible,
        longest_runs=longest_runs_in(session, week),
    )


def stored_awards(
    session: Session, week: IsoWeek, settings: Settings, *, rules: Sequence[TitleRule] | None = None
) -> list[TitleAward]:
    """The awards stored for `week`, in rule-file order (names and emoji from the current rules)."""
    ordered = {r.key: (i, r) for i, r in enumerate(rules if rules is not None else rules_for(settings))}
    rows = session.execute(
        select(Award.title_key, Award.person_id, Award.metric_value, Award.streak_weeks).where(
            Award.week_start == week.start
        )
    ).all()
    awards = []
    for key, person_id, value, streak in rows:
        _, rule = ordered.get(key, (len(ordered), None))
        awards.append(
            TitleAward(
                title_key=key,
                name=rule.name if rule else key.replace("_", " ").title(),
                emoji=rule.emoji if rule else "",
                person_id=person_id,
                metric_value=Decimal(value) if value is not None else Decimal(0),
                streak_weeks=streak,
            )
        )
    awards.sort(key=lambda a: (ordered.get(a.title_key, (len(ordered),))[0], a.title_key, a.person_id))
    return awards


def award_week(
    session: Session,
    week: IsoWeek,
    settings: Settings,
    now: datetime,
    *,
    weeks: dict[int, PersonWeek] | None = None,
    rules: Sequence[TitleRule] | None = None,
) -> list[TitleAward]:
    """Store the week's titles once: a title already awarded for the week is kept, never re-awarded."""
    rules = rules if rules is not None else rules_for(settings)
    already = {key for (key,) in session.execute(select(Award.title_key).where(Award.week_start == week.start))}
    rows = [
        {
            "week_start": week.start,
            "title_key": award.title_key,
            "person_id": award.person_id,
            "metric_value": award.metric_value,
            "streak_weeks": award.streak_weeks,
            "created_at": now,
        }
        for award in titles_for_week(session, week, settings, weeks=weeks, rules=rules)
        if award.title_key not in already
    ]
    if rows:
        # One statement for many rows (First Build can go to thousands); a concurrent run's rows win.
        module = dialect_module(session.get_bind().dialect.name)
        session.execute(
            module.insert(Award.__table__).on_conflict_do_nothing(
                index_elements=["week_start", "title_key", "person_id"]
            ),
            rows,
        )
    session.flush()
    return stored_awards(session, week, settings, rules=rules)
