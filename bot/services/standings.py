"""Where a person stands in a week: the week's ranking sorted once and kept while the figures hold.

`/buildboard me` shows the caller's place among everyone ranked in the week (people with counted
output, as on the public board). Counted per caller in the database, each answer read the whole
week's output twice (37 ms a week at 85,000 people), so a Monday's callers repeated one piece of
work thousands of times. The ranking only changes when a figure does, and every such commit raises
the figures version (bot/db/figures_version.py): the rank keys sorted at one version answer every
caller until the version moves. Most writes of a working day are about one person (an artifact
shared, an endorsement), recorded in figures_changes: a kept ranking then re-reads only those people's
weeks and moves their keys, so a busy Monday does not sort the organisation again at every share. A
write about everyone (usage, the org chart) sorts the week again. The version is read before the
rows, so a ranking is never kept under a version newer than the rows it was sorted from.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, insort
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from bot.db.models import FiguresChange, FiguresVersion
from bot.domain.claims import has_output
from bot.domain.periods import IsoWeek
from bot.domain.ranking import RankBy, RankKey, rank_key
from bot.domain.stats import PersonWeek
from bot.services.stats import output_weeks, person_weeks

# The current week and the last are what callers ask about; a few more cover a week turning over.
WEEKS_KEPT = 4
# More people changed than this since a ranking was kept: the week is sorted again rather than patched.
PATCH_AT_MOST = 1_000


@dataclass(frozen=True)
class Standing:
    position: int | None  # 1 for the first; None without counted output (not ranked)
    ranked_people: int


@dataclass(frozen=True)
class KeptRanking:
    """A week's rank keys as kept at a figures version: everyone with counted output, best first."""

    version: int
    keys: list[RankKey]  # sorted: best first; each ends with the person's id
    by_person: dict[int, RankKey]

    @property
    def ranked_people(self) -> int:
        return len(self.keys)

    def standing(self, mine: PersonWeek, rank_by: RankBy) -> Standing:
        """Where `mine` (a person's figures, read now) stands among the ranked."""
        if not has_output(mine.work_units):
            return Standing(None, len(self.keys))
        # Keys end with the person id, so no one else ties with `mine`: everyone before it is ahead.
        return Standing(bisect_left(self.keys, rank_key(mine, rank_by)) + 1, len(self.keys))

    def head(self, count: int) -> list[int]:
        """The ids of the first `count` people, best first."""
        return [int(key[-1]) for key in self.keys[:count]]


class WeekStandings:
    """Thread-safe: `standing(session, week, mine, …)` for any number of callers, the week sorted once per version."""

    def __init__(self, weeks_kept: int = WEEKS_KEPT) -> None:
        self._weeks_kept = weeks_kept
        self._lock = threading.Lock()
        self._kept: OrderedDict[tuple[date, int, str], KeptRanking] = OrderedDict()

    def standing(self, session: Session, week: IsoWeek, mine: PersonWeek, *, cap: int, rank_by: RankBy) -> Standing:
        return self.ranking(session, week, cap=cap, rank_by=rank_by).standing(mine, rank_by)

    def ranking(self, session: Session, week: IsoWeek, *, cap: int, rank_by: RankBy) -> KeptRanking:
        """The week's ranking at the figures version of `session`'s moment: kept, patched or sorted again."""
        key = (week.start, cap, rank_by)
        with self._lock:
            kept = self._kept.get(key)
        # One statement: the versions and the people changed since the kept ranking, as of the same moment
        # (a write about everyone committed in between deletes the changes below it).
        since = kept.version if kept is not None else None
        rows = session.execute(
            select(FiguresVersion.version, FiguresVersion.everyone_version, FiguresChange.person_id)
            .outerjoin(FiguresChange, FiguresChange.version > since if since is not None else false())
            .where(FiguresVersion.id == 1)
        ).all()
        if not rows:  # no version row yet (nothing written since the schema was made): nothing can be kept
            return _sorted(session, week, cap, rank_by, version=0)
        version, everyone = int(rows[0][0]), int(rows[0][1] or 0)
        if kept is not None and kept.version == version:
            ranking = kept
        else:
            changed = {int(row[2]) for row in rows if row[2] is not None}
            if kept is not None and everyone <= kept.version and len(changed) <= PATCH_AT_MOST:
                ranking = _patched(session, kept, week, changed, cap, rank_by, version=version)
            else:
                ranking = _sorted(session, week, cap, rank_by, version=version)
            with self._lock:
                self._kept[key] = ranking
                self._kept.move_to_end(key)
                while len(self._kept) > self._weeks_kept:
                    self._kept.popitem(last=False)
        return ranking


def _sorted(session: Session, week: IsoWeek, cap: int, rank_by: RankBy, *, version: int) -> KeptRanking:
    by_person = {pid: rank_key(figures, rank_by) for pid, figures in output_weeks(session, week, cap=cap).items()}
    return KeptRanking(version, sorted(by_person.values()), by_person)


def _patched(
    session: Session, kept: KeptRanking, week: IsoWeek, changed: set[int], cap: int, rank_by: RankBy, *, version: int
) -> KeptRanking:
    """`kept` with the keys of the `changed` people read again (a copy: other threads may be reading `kept`)."""
    keys, by_person = list(kept.keys), dict(kept.by_person)
    fresh = person_weeks(session, week, changed, cap=cap) if changed else {}
    for pid in changed:
        old = by_person.pop(pid, None)
        if old is not None:
            del keys[bisect_left(keys, old)]
        figures = fresh.get(pid)
        if figures is not None and has_output(figures.work_units):
            by_person[pid] = rank_key(figures, rank_by)
            insort(keys, by_person[pid])
    return KeptRanking(version, keys, by_person)
