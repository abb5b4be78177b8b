"""A manager's team chart: the group's last 12 weeks (spend, work units, active people, evidence ratio).

Who may ask is decided exactly as for `/buildboard team` (resolve_group): a manager over the whole
group, or an admin. The numbers are the group's weekly totals, aggregated in SQL; who was seen is
recorded in the audit trail as for the team answer (one row for the view).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.chart import TEAM_WEEKS, Chart, chart_weeks, team_chart
from bot.domain.command_args import Target
from bot.domain.periods import IsoWeek, weeks_ending
from bot.domain.reports import Refusal
from bot.services import authority
from bot.services.audit import record_view
from bot.services.identity import UserLookup
from bot.services.team import resolve_group, team_week_figures
from bot.settings import Settings


def team_chart_answer(
    session: Session,
    viewer: authority.Viewer,
    target: Target,
    settings: Settings,
    *,
    now: datetime,
    lookup_user: UserLookup | None = None,
) -> tuple[Chart | None, Refusal | None]:
    """The chart of the group `target` names, for a viewer allowed to see all of it; else a refusal."""
    group, refusal = resolve_group(session, viewer, target, lookup_user)
    if refusal is not None or group is None:
        return None, refusal
    last = IsoWeek.last_complete(now, settings.zone)
    window = weeks_ending(last, TEAM_WEEKS)
    figures, _ = team_week_figures(session, window, group, cap=settings.max_counted_artifacts)
    chart = team_chart(chart_weeks(window, figures, current=last), group.label, last)
    record_view(
        session,
        viewer_id=viewer.person_id,
        viewer_slack_user_id=viewer.slack_user_id,
        group=group.viewed,
        action="team_chart",
        detail=f"{group.label}, {window[0]}..{last}",
        now=now,
    )
    return chart, None


def team_chart_for(
    session: Session,
    slack_user_id: str,
    target: Target,
    settings: Settings,
    *,
    now: datetime,
    lookup_user: UserLookup | None = None,
) -> tuple[Chart | None, Refusal | None] | None:
    """The team chart for the Slack user who pressed Chart; None when they are neither known nor an admin."""
    _, viewer = authority.caller(session, slack_user_id, settings, lookup_user)
    if viewer is None:
        return None
    return team_chart_answer(session, viewer, target, settings, now=now, lookup_user=lookup_user)
