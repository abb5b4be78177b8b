"""org_closure carries each pair's valid_from; org_closure_history keeps only the pairs that ended

Every pair held now had a second, open row in org_closure_history (valid_to NULL), written again beside
the closure by every import: a first import of 85,000 people wrote 530,000 pairs twice. The open end now
lives on the closure row itself, and the history holds closed rows only (bot/db/org_chart.py). What the
audit trail answers is unchanged: a pair held at a view's version is in org_closure with valid_from at or
before it, or in the history with valid_from ≤ version < valid_to (bot/services/audit.py).

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

OPEN = "valid_to IS NULL"
# SQLite rebuilds the table for some changes: the copy must stay clustered by ancestor (WITHOUT ROWID).
CLOSURE = {"table_kwargs": {"sqlite_with_rowid": False}}


def upgrade() -> None:
    with op.batch_alter_table("org_closure", **CLOSURE) as batch:
        batch.add_column(sa.Column("valid_from", sa.Integer(), nullable=False, server_default="0"))
    # Each pair's open row says since when it is held (every pair has one: the code and 0019 kept them equal).
    op.execute(
        """
        UPDATE org_closure SET valid_from = coalesce((
            SELECT h.valid_from FROM org_closure_history h
            WHERE h.valid_to IS NULL AND h.ancestor_id = org_closure.ancestor_id
              AND h.descendant_id = org_closure.descendant_id), 1)
        """
    )
    # No default from now on: a writer that forgot valid_from fails instead of making a pair look held
    # at views from before it was.
    with op.batch_alter_table("org_closure", **CLOSURE) as batch:
        batch.alter_column("valid_from", server_default=None, existing_type=sa.Integer(), existing_nullable=False)
    op.drop_index("ix_org_closure_history_open", table_name="org_closure_history")
    op.execute(f"DELETE FROM org_closure_history WHERE {OPEN}")
    with op.batch_alter_table("org_closure_history") as batch:
        batch.alter_column("valid_to", existing_type=sa.Integer(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("org_closure_history") as batch:
        batch.alter_column("valid_to", existing_type=sa.Integer(), nullable=True)
    op.execute(
        "INSERT INTO org_closure_history (ancestor_id, descendant_id, valid_from) "
        "SELECT ancestor_id, descendant_id, valid_from FROM org_closure ORDER BY ancestor_id, descendant_id"
    )
    op.create_index(
        "ix_org_closure_history_open",
        "org_closure_history",
        ["ancestor_id", "descendant_id"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
    with op.batch_alter_table("org_closure", **CLOSURE) as batch:
        batch.drop_column("valid_from")
