"""usage_weekly: each person's week of usage summed, so weekly questions stop rescanning usage_daily

Also an index on artifacts (person_id, week_start): "anything shared before this week?" per person
(First Build) and a person's own artifacts read it instead of scanning every artifact.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage_weekly",
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("tokens", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("cost_usd", sa.Numeric(precision=16, scale=6), nullable=False),
        sa.Column("active_days", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_usage_weekly_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("week_start", "person_id", name=op.f("pk_usage_weekly")),
    )
    op.create_index("ix_usage_weekly_person_week", "usage_weekly", ["person_id", "week_start"], unique=False)
    op.create_index("ix_artifacts_person_week", "artifacts", ["person_id", "week_start"], unique=False)
    # Fill it from the usage already stored (the same sums bot/db/usage_weekly.py keeps up to date).
    if op.get_bind().dialect.name == "postgresql":
        monday = "CAST(date_trunc('week', day) AS DATE)"
    else:
        monday = "date(day, 'weekday 0', '-6 days')"
    op.execute(
        "INSERT INTO usage_weekly (week_start, person_id, tokens, cost_usd, active_days) "
        f"SELECT {monday}, person_id, SUM(input_tokens + output_tokens), SUM(cost_usd), COUNT(DISTINCT day) "
        f"FROM usage_daily GROUP BY {monday}, person_id"
    )


def downgrade() -> None:
    op.drop_index("ix_artifacts_person_week", table_name="artifacts")
    op.drop_index("ix_usage_weekly_person_week", table_name="usage_weekly")
    op.drop_table("usage_weekly")
