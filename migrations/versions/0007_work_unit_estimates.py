"""work-unit estimates: the estimate and an admin override kept apart, retry bookkeeping

Revision ID: 0007
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("artifacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("work_units_estimate", sa.Numeric(precision=8, scale=2), nullable=True))
        batch_op.add_column(sa.Column("work_units_override", sa.Numeric(precision=8, scale=2), nullable=True))
        batch_op.add_column(sa.Column("estimate_attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("estimate_error", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("artifacts", schema=None) as batch_op:
        batch_op.drop_column("estimate_error")
        batch_op.drop_column("estimate_attempts")
        batch_op.drop_column("work_units_override")
        batch_op.drop_column("work_units_estimate")
