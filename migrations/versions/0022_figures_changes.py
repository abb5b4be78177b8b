"""figures_changes: whose figures a commit changed, so a kept report goes stale only when its own people's do

A commit that changes only some people's figures (an artifact shared, deleted or endorsed, a reason given
for spend) records them here under the figures version it raised; any other counted write raises
figures_version.everyone_version too, which makes every report kept before it stale
(bot/db/figures_version.py, bot/services/team_figures.py).

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("figures_version") as batch:
        batch.add_column(sa.Column("everyone_version", sa.BigInteger(), nullable=False, server_default="0"))
    op.execute("UPDATE figures_version SET everyone_version = version")
    op.create_table(
        "figures_changes",
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("version", "person_id", name=op.f("pk_figures_changes")),
    )


def downgrade() -> None:
    op.drop_table("figures_changes")
    with op.batch_alter_table("figures_version") as batch:
        batch.drop_column("everyone_version")
