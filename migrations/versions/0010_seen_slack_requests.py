"""seen_slack_requests: signed Slack requests already answered, so a replay to any replica is answered once

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seen_slack_requests",
        sa.Column("signature_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("signature_hash", name=op.f("pk_seen_slack_requests")),
    )
    op.create_index(op.f("ix_seen_slack_requests_expires_at"), "seen_slack_requests", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_seen_slack_requests_expires_at"), table_name="seen_slack_requests")
    op.drop_table("seen_slack_requests")
