"""`/buildboard leaderboard`: this week so far, public information only, plus the caller's own line."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.db.models import Person
from bot.domain.claims import has_output
from bot.domain.periods import IsoWeek
from bot.domain.privacy import may_be_named_in_public
from bot.domain.ranking import rank
from bot.domain.reports import Leaderboard
from bot.services.digest import public_board
from bot.services.stats import active_people, output_weeks, person_weeks
from bot.settings import Settings


def current_leaderboard(session: Session, now: datetime, settings: Settings, viewer: Person) -> Leaderboard:
    """The board for the current week so far, ranked like the digest (BUILDBOARD_RANK_BY), with the viewer's line."""
    week = IsoWeek.current(now, settings.zone)
    cap = settings.max_counted_artifacts
    # Only people with counted output are ranked (opted-out people among them: they keep their position), so
    # only their weeks are read; the viewer's own week is read apart when they have none.
    weeks = output_weeks(session, week, cap=cap)
    ranked = rank((w for w in weeks.values() if has_output(w.work_units)), settings.rank_by)
    position = next((i for i, w in enumerate(ranked, start=1) if w.person_id == viewer.id), None)
    mine = weeks.get(viewer.id) or person_weeks(session, week, [viewer.id], cap=cap).get(viewer.id)
    return Leaderboard(
        week=week,
        rank_by=settings.rank_by,
        entries=public_board(session, weeks, settings.rank_by, spend_public=settings.spend_public),
        ranked_people=len(ranked),
        viewer_stats=mine,
        viewer_position=position,
        viewer_hidden=not may_be_named_in_public(viewer),
        active_people=active_people(session, week),
        spend_public=settings.spend_public,
    )
