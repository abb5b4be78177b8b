"""usage_weekly_totals: the organisation's week of usage, kept with the rollup

The digest's totals and its eight-week chart summed every person's usage_weekly row of each week: at a
million people, 7 million rows and a second of every digest. The rollup now also keeps each week's sums
(bot/db/usage_weekly.py), refreshed with it a whole week at a time.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage_weekly_totals",
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("tokens", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("cost_usd", sa.Numeric(16, 6), nullable=False),
        sa.Column("active_people", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("week_start", name=op.f("pk_usage_weekly_totals")),
    )
    # Filled from the rollup already stored (the same sums bot/db/usage_weekly.py keeps up to date).
    op.execute(
        "INSERT INTO usage_weekly_totals (week_start, tokens, cost_usd, active_people) "
        "SELECT week_start, SUM(tokens), SUM(cost_usd), COUNT(*) FROM usage_weekly GROUP BY week_start"
    )


def downgrade() -> None:
    op.drop_table("usage_weekly_totals")
