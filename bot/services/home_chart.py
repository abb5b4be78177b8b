"""A person's trend chart for App Home: drawn and uploaded once per person, week and set of numbers.

The picture is uploaded without sharing it to any channel, so it is private to the app; only the
person's own App Home (which only they see) shows it, through an image block's `slack_file`.
Opening App Home again finds the upload in `chart_files` and draws nothing. When the week's numbers
change (new usage, a new artifact) the fingerprint changes and the chart is drawn again.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import ChartFile
from bot.domain.chart import Chart, ChartKind, chart_alt_text, chart_fingerprint
from bot.domain.periods import IsoWeek
from bot.services.ports import ChartRenderer, PrivateFiles

log = logging.getLogger(__name__)


def cached_chart_file(session: Session, person_id: int, week: IsoWeek, chart: Chart) -> str | None:
    """The file id of this very chart, if it was uploaded already."""
    row = session.scalar(
        select(ChartFile).where(
            ChartFile.kind == chart.kind.value, ChartFile.person_id == person_id, ChartFile.week_start == week.start
        )
    )
    return row.file_id if row is not None and row.fingerprint == chart_fingerprint(chart) else None


def remember_chart_file(
    session: Session, person_id: int, week: IsoWeek, chart: Chart, file_id: str, now: datetime
) -> None:
    """Record the upload as the person's chart of `week` (replacing an older one of the same week)."""
    row = session.scalar(
        select(ChartFile).where(
            ChartFile.kind == chart.kind.value, ChartFile.person_id == person_id, ChartFile.week_start == week.start
        )
    )
    if row is None:
        row = ChartFile(kind=chart.kind.value, person_id=person_id, week_start=week.start)
        session.add(row)
    row.fingerprint = chart_fingerprint(chart)
    row.file_id = file_id
    row.created_at = now


def forget_chart_file(session: Session, person_id: int, week: IsoWeek) -> None:
    """Forget the person's remembered chart of `week` (Slack refused it): the next publish draws it again."""
    session.execute(
        delete(ChartFile).where(
            ChartFile.kind == ChartKind.PERSONAL.value,
            ChartFile.person_id == person_id,
            ChartFile.week_start == week.start,
        )
    )


def personal_chart_file(
    sessions: sessionmaker[Session],
    person_id: int,
    week: IsoWeek,
    chart: Chart,
    renderer: ChartRenderer,
    files: PrivateFiles,
    now: datetime,
) -> str | None:
    """The Slack file id of the person's trend chart for `week`: the cached one, or a new upload.

    None when there is nothing to draw. No transaction is open while drawing and uploading.
    """
    if chart.kind is not ChartKind.PERSONAL or not chart.weeks:
        return None
    with sessions() as session:
        cached = cached_chart_file(session, person_id, week, chart)
    if cached is not None:
        return cached
    png = renderer.render(chart)
    file_id = files.upload(
        filename=f"buildboard-you-{week}.png", content=png, title=chart.title, alt_text=chart_alt_text(chart)
    )
    try:
        with sessions.begin() as session:
            remember_chart_file(session, person_id, week, chart, file_id, now)
    except IntegrityError:  # opened twice at once: the other upload was recorded first; this one still shows
        log.info("chart for person %d, %s recorded by a concurrent App Home publish", person_id, week)
    return file_id
