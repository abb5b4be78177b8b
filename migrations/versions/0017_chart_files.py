"""chart_files: the App Home trend chart uploaded per person and week, so opening App Home again draws nothing

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chart_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("file_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_chart_files_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chart_files")),
        sa.UniqueConstraint("kind", "person_id", "week_start", name="uq_chart_files_kind_person_week"),
    )
    op.create_index(op.f("ix_chart_files_person_id"), "chart_files", ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_chart_files_person_id"), table_name="chart_files")
    op.drop_table("chart_files")
