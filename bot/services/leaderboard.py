"""`/buildboard leaderboard`: this week so far, public information only, plus the caller's own line."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.db.models import Person
from bot.domain.digest import BoardEntry
from bot.domain.periods import IsoWeek
from bot.domain.privacy import may_be_named_in_public
from bot.domain.reports import Leaderboard
from bot.domain.stats import empty_week
from bot.services.digest import BOARD_SIZE, public_board
from bot.services.standings import KeptRanking, WeekStandings
from bot.services.stats import active_people, person_weeks
from bot.settings import Settings

# The head of the ranking read for the board at first: public_board's own first page (BOARD_SIZE × 20).
FIRST_HEAD = BOARD_SIZE * 20


def current_leaderboard(
    session: Session, now: datetime, settings: Settings, viewer: Person, standings: WeekStandings | None = None
) -> Leaderboard:
    """The board for the current week so far, ranked like the digest (BUILDBOARD_RANK_BY), with the viewer's line.

    The viewer's place comes from the week's ranking as `/buildboard me` keeps it (`standings`: the process's,
    sorted once per figures version; without, the week is sorted for this answer alone), and only the head of
    that ranking is read again for the board: at 85,000 people, reading and ranking everyone with output took
    about 400 ms an answer.
    """
    week = IsoWeek.current(now, settings.zone)
    cap, rank_by = settings.max_counted_artifacts, settings.rank_by
    ranking = (standings or WeekStandings()).ranking(session, week, cap=cap, rank_by=rank_by)
    mine = person_weeks(session, week, [viewer.id], cap=cap).get(viewer.id)
    standing = ranking.standing(mine or empty_week(viewer.id), rank_by)
    return Leaderboard(
        week=week,
        rank_by=rank_by,
        entries=_board(session, ranking, week, settings),
        ranked_people=standing.ranked_people,
        viewer_stats=mine,
        viewer_position=standing.position,
        viewer_hidden=not may_be_named_in_public(viewer),
        active_people=active_people(session, week),
        spend_public=settings.spend_public,
    )


def _board(session: Session, ranking: KeptRanking, week: IsoWeek, settings: Settings) -> list[BoardEntry]:
    """public_board over the head of `ranking`: its first people's weeks, read now. When too few of them may be
    named (opted out, departed, or no longer with output), a head four times deeper, until the board is full or
    the head is everyone ranked: the board is then the one public_board makes of everyone's weeks."""
    depth = FIRST_HEAD
    while True:
        head = person_weeks(session, week, ranking.head(depth), cap=settings.max_counted_artifacts)
        board = public_board(session, head, settings.rank_by, spend_public=settings.spend_public)
        if len(board) == BOARD_SIZE or depth >= ranking.ranked_people:
            return board
        depth *= 4
