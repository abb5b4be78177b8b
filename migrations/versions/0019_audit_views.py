"""audit_views: one audit row per view (its group and the org chart version), with the chart's history

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29

audit_events held one row per person seen; each becomes a view of that person alone (scope `person`),
so everyone keeps seeing exactly the views they saw before. org_closure_history and team_history start
with the chart as it is now, valid from version 1.
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

OPEN = "valid_to IS NULL"


def upgrade() -> None:
    op.create_table(
        "org_chart_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_chart_version")),
    )
    op.create_table(
        "org_closure_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ancestor_id", sa.Integer(), nullable=False),
        sa.Column("descendant_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Integer(), nullable=False),
        sa.Column("valid_to", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_closure_history")),
    )
    op.create_table(
        "team_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("team_key", sa.String(length=200), nullable=True),
        sa.Column("valid_from", sa.Integer(), nullable=False),
        sa.Column("valid_to", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_history")),
    )
    op.create_table(
        "audit_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("viewer_person_id", sa.Integer(), nullable=True),
        sa.Column("viewer_slack_user_id", sa.String(length=32), nullable=True),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("root_person_id", sa.Integer(), nullable=True),
        sa.Column("team_key", sa.String(length=200), nullable=True),
        sa.Column("org_version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["viewer_person_id"],
            ["people.id"],
            name=op.f("fk_audit_views_viewer_person_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_views")),
    )

    op.execute("INSERT INTO org_chart_version (id, version) VALUES (1, 1)")
    op.execute(
        "INSERT INTO org_closure_history (ancestor_id, descendant_id, valid_from) "
        "SELECT ancestor_id, descendant_id, 1 FROM org_closure ORDER BY ancestor_id, descendant_id"
    )
    op.execute(
        "INSERT INTO team_history (person_id, team_key, valid_from) SELECT id, team_key, 1 FROM people ORDER BY id"
    )
    # Each person seen becomes a view of them alone, in the order they were written (a subject already
    # deleted had its rows deleted with it: ON DELETE CASCADE).
    op.execute(
        """
        INSERT INTO audit_views (viewer_person_id, viewer_slack_user_id, scope, root_person_id, team_key,
                                 org_version, action, detail, at)
        SELECT viewer_person_id, viewer_slack_user_id, 'person', subject_person_id, NULL, 1, action, detail, at
        FROM audit_events WHERE subject_person_id IS NOT NULL ORDER BY id
        """
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_subject_at")
    op.drop_table("audit_events")

    op.create_index("ix_org_closure_history_descendant", "org_closure_history", ["descendant_id", "ancestor_id"])
    op.create_index(
        "ix_org_closure_history_open",
        "org_closure_history",
        ["ancestor_id", "descendant_id"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
    op.create_index("ix_team_history_person", "team_history", ["person_id", "valid_from"])
    op.create_index(
        "ix_team_history_open",
        "team_history",
        ["person_id"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
    op.create_index("ix_audit_views_root_at", "audit_views", ["root_person_id", "at"])
    op.create_index("ix_audit_views_team_at", "audit_views", ["team_key", "at"])
    op.create_index(
        "ix_audit_views_everyone_at",
        "audit_views",
        ["at"],
        sqlite_where=sa.text("scope = 'everyone'"),
        postgresql_where=sa.text("scope = 'everyone'"),
    )


# Held at the view's version: valid_from inclusive, valid_to exclusive.
HELD = "h.valid_from <= v.org_version AND (h.valid_to IS NULL OR h.valid_to > v.org_version)"
NOT_THE_VIEWER = "(v.viewer_person_id IS NULL OR v.viewer_person_id <> {person})"


def downgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("viewer_person_id", sa.Integer(), nullable=True),
        sa.Column("subject_person_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("viewer_slack_user_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_person_id"],
            ["people.id"],
            name=op.f("fk_audit_events_subject_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["viewer_person_id"],
            ["people.id"],
            name=op.f("fk_audit_events_viewer_person_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_subject_at", ["subject_person_id", "at"], unique=False)
    # Every view back to one row per person it showed, from the history as it was at the view.
    columns = "v.viewer_person_id, v.viewer_slack_user_id, {subject}, v.action, v.detail, v.at"
    insert = "INSERT INTO audit_events (viewer_person_id, viewer_slack_user_id, subject_person_id, action, detail, at) "
    for subject, source in (
        ("v.root_person_id", "audit_views v JOIN people p ON p.id = v.root_person_id WHERE v.scope = 'person'"),
        (
            "h.descendant_id",
            f"audit_views v JOIN org_closure_history h ON h.ancestor_id = v.root_person_id AND {HELD} "
            "JOIN people p ON p.id = h.descendant_id WHERE v.scope = 'tree'",
        ),
        (
            "h.person_id",
            f"audit_views v JOIN team_history h ON h.team_key = v.team_key AND {HELD} "
            "JOIN people p ON p.id = h.person_id WHERE v.scope = 'team'",
        ),
        (
            "h.person_id",
            f"audit_views v JOIN team_history h ON {HELD} JOIN people p ON p.id = h.person_id "
            "WHERE v.scope = 'everyone'",
        ),
    ):
        op.execute(
            f"{insert} SELECT {columns.format(subject=subject)} FROM {source} "
            f"AND {NOT_THE_VIEWER.format(person=subject)} ORDER BY v.id"
        )
    for table in ("audit_views", "team_history", "org_closure_history"):
        for index in sa.inspect(op.get_bind()).get_indexes(table):
            op.drop_index(index["name"], table_name=table)
        op.drop_table(table)
    op.drop_table("org_chart_version")
