"""Migration 0019: every audit_events row becomes a view of that person alone, so nobody's "who looked" changes."""

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from bot.db.engine import _alembic_config
from bot.db.models import AuditView, OrgClosure, OrgClosureHistory, TeamHistory
from bot.domain.reports import ViewedGroup
from bot.services.audit import record_view, views_of

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
PEOPLE = (
    # id, email, name, team_key, manager
    (1, "ann@x.com", "Ann", "lead", None),
    (2, "bo@x.com", "Bo", "platform", 1),
    (3, "cy@x.com", "Cy", "platform", 2),
)


def test_audit_events_become_single_person_views_and_the_history_starts_from_the_chart(tmp_path):
    url = f"sqlite:///{tmp_path / 'before.db'}"
    config = _alembic_config(url)
    command.upgrade(config, "0018")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for pid, email, name, team, manager in PEOPLE:
                connection.execute(
                    text(
                        "INSERT INTO people (id, email, name, team, team_key, manager_id, in_org, active,"
                        " nudges_enabled, public_opt_out, created_at, updated_at) VALUES (:id, :email, :name, :team,"
                        " :team, :manager, 1, 1, 1, 0, '2026-11-01 00:00:00', '2026-11-01 00:00:00')"
                    ),
                    {"id": pid, "email": email, "name": name, "team": team, "manager": manager},
                )
            # The closure as the code kept it (these raw inserts bypass it).
            connection.execute(text("INSERT INTO org_closure VALUES (1, 2, 1), (1, 3, 2), (2, 3, 1)"))
            # Ann's team view wrote a row per person seen; an admin outside the file looked at Cy.
            for viewer, slack_id, subject, action, at in (
                (1, None, 2, "team", "2026-11-20 10:00:00"),
                (1, None, 3, "team", "2026-11-20 10:00:00"),
                (None, "U0ROOT", 3, "user", "2026-11-21 09:00:00"),
            ):
                connection.execute(
                    text(
                        "INSERT INTO audit_events (viewer_person_id, viewer_slack_user_id, subject_person_id, action,"
                        " detail, at) VALUES (:viewer, :slack, :subject, :action, 'old', :at)"
                    ),
                    {"viewer": viewer, "slack": slack_id, "subject": subject, "action": action, "at": at},
                )
        command.upgrade(config, "head")
        with Session(engine) as session:
            rows = session.execute(
                select(
                    AuditView.viewer_person_id,
                    AuditView.viewer_slack_user_id,
                    AuditView.scope,
                    AuditView.root_person_id,
                    AuditView.action,
                ).order_by(AuditView.id)
            ).all()
            assert [tuple(r) for r in rows] == [
                (1, None, "person", 2, "team"),
                (1, None, "person", 3, "team"),
                (None, "U0ROOT", "person", 3, "user"),
            ]
            assert [
                (v.viewer_name, v.viewer_slack_user_id, v.action, v.times) for v in views_of(session, 3, now=NOW)
            ] == [
                (None, "U0ROOT", "user", 1),
                ("Ann", None, "team", 1),
            ]
            assert [(v.viewer_name, v.times) for v in views_of(session, 2, now=NOW)] == [("Ann", 1)]
            # The chart as it was, held from version 1 (since 0023 the open end is on the closure's rows).
            held = session.execute(select(OrgClosure.ancestor_id, OrgClosure.descendant_id, OrgClosure.valid_from))
            assert sorted(tuple(r) for r in held) == [(1, 2, 1), (1, 3, 1), (2, 3, 1)]
            assert not session.execute(select(OrgClosureHistory.id)).all()  # nothing has ended yet
            teams = session.execute(select(TeamHistory.person_id, TeamHistory.team_key, TeamHistory.valid_to))
            assert sorted(tuple(r) for r in teams) == [(1, "lead", None), (2, "platform", None), (3, "platform", None)]
            # A view of Bo's tree after the upgrade: the history already holds the chart.
            record_view(session, viewer_id=1, group=ViewedGroup("tree", 2), action="team", detail="new", now=NOW)
            session.commit()
            assert [(v.viewer_name, v.times) for v in views_of(session, 3, now=NOW) if v.action == "team"] == [
                ("Ann", 2)
            ]
        # Downgrading expands each view back to a row per person it showed.
        command.downgrade(config, "0018")
        with engine.connect() as connection:
            events = connection.execute(
                text(
                    "SELECT viewer_person_id, viewer_slack_user_id, subject_person_id, action, detail FROM audit_events"
                )
            ).all()
        assert sorted(map(tuple, events), key=str) == sorted(
            [(1, None, 2, "team", "old"), (1, None, 3, "team", "old"), (None, "U0ROOT", 3, "user", "old")]
            + [(1, None, 3, "team", "new")],
            key=str,
        )
    finally:
        engine.dispose()
