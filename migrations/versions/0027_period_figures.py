"""period_figures: each person's sums over the usual team periods and the ones before, and the flag candidates

The whole organisation's team report summed 940,000 rows of usage_weekly and 133,000 of counted output per
ask, and chose the people its flags might name from 425,000 more. The tables start empty and unbuilt (no
period_figures_builds row): reports sum every member's weeks as before until the `team_reports` or
`period_figures` job or `buildboard db rebuild-rollup` builds them (bot/services/period_figures.py).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    money = sa.Numeric(16, 6)
    units = sa.Numeric(10, 2)
    tokens = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "period_figures",
        sa.Column("last_week_start", sa.Date(), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("counted_cap", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("tokens_1", tokens, nullable=False),
        sa.Column("tokens_2", tokens, nullable=False),
        sa.Column("spend_usd_1", money, nullable=False),
        sa.Column("spend_usd_2", money, nullable=False),
        sa.Column("active_days_1", sa.Integer(), nullable=False),
        sa.Column("artifacts_1", sa.Integer(), nullable=False),
        sa.Column("artifacts_2", sa.Integer(), nullable=False),
        sa.Column("work_units_1", units, nullable=False),
        sa.Column("work_units_2", units, nullable=False),
        sa.Column("evidenced_1", money, nullable=False),
        sa.Column("evidenced_2", money, nullable=False),
        sa.Column("used_1", sa.Integer(), nullable=True),
        sa.Column("used_2", sa.Integer(), nullable=True),
        sa.Column("made_1", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_period_figures_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("last_week_start", "weeks", "counted_cap", "person_id", name=op.f("pk_period_figures")),
    )
    op.create_table(
        "period_figures_builds",
        sa.Column("last_week_start", sa.Date(), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("counted_cap", sa.Integer(), nullable=False),
        sa.Column("figures_version", sa.BigInteger(), nullable=False),
        sa.Column("flag_threshold_usd", money, nullable=False),
        sa.Column("unexplained_weeks", sa.Integer(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("last_week_start", "weeks", "counted_cap", name=op.f("pk_period_figures_builds")),
    )
    op.create_table(
        "flag_candidates",
        sa.Column("last_week_start", sa.Date(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_flag_candidates_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("last_week_start", "person_id", name=op.f("pk_flag_candidates")),
    )


def downgrade() -> None:
    op.drop_table("flag_candidates")
    op.drop_table("period_figures_builds")
    op.drop_table("period_figures")
