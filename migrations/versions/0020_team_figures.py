"""team_figures: a manager's (or a team's) report computed once and kept until a write that can change it

figures_version holds one counter that every committed write to a table the figures read raises
(bot/db/figures_version.py); a kept report counts only while the counter is the one it was computed at.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "figures_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_figures_version")),
    )
    op.execute("INSERT INTO figures_version (id, version) VALUES (1, 1)")
    op.create_table(
        "team_figures",
        sa.Column("group_kind", sa.String(length=16), nullable=False),
        sa.Column("group_key", sa.String(length=200), nullable=False),
        sa.Column("last_week_start", sa.Date(), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("variant", sa.String(length=64), nullable=False),
        sa.Column("figures_version", sa.BigInteger(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "group_kind", "group_key", "last_week_start", "weeks", "variant", name=op.f("pk_team_figures")
        ),
    )

    # A group's seat cost (bot/services/team.py code_and_seat_totals) scanned all of usage_daily on PostgreSQL:
    # the seat rows are few, and this index holds only them.
    op.create_index(
        "ix_usage_daily_seat_person_day",
        "usage_daily",
        ["person_id", "day"],
        unique=False,
        sqlite_where=sa.text("cost_source = 'seat'"),
        postgresql_where=sa.text("cost_source = 'seat'"),
    )


def downgrade() -> None:
    op.drop_index("ix_usage_daily_seat_person_day", table_name="usage_daily")
    op.drop_table("team_figures")
    op.drop_table("figures_version")
