"""output_weekly: each person's counted output per week, kept beside the usage rollup

A team report of 25,000 people ranked every artifact, verified pull request and endorsement of its people's
24 weeks again, each time (about a third of its statement). The table starts empty and not kept (no
app_state row): reports compute the output as before until `buildboard db rebuild-rollup` or the daily
`team_reports` job fills it (bot/db/output_weekly.py).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    units = sa.Numeric(10, 2)
    op.create_table(
        "output_weekly",
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("artifacts", sa.Integer(), nullable=False),
        sa.Column("shared_artifacts", sa.Integer(), nullable=False),
        sa.Column("shared_units", units, nullable=False),
        sa.Column("evidence_units", units, nullable=False),
        sa.Column("endorsement_units", units, nullable=False),
        sa.Column("work_units", units, nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_output_weekly_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("week_start", "person_id", name=op.f("pk_output_weekly")),
    )
    op.create_index("ix_output_weekly_person_week", "output_weekly", ["person_id", "week_start"])


def downgrade() -> None:
    op.drop_index("ix_output_weekly_person_week", table_name="output_weekly")
    op.drop_table("output_weekly")
    op.execute("DELETE FROM app_state WHERE key = 'output_weekly'")
