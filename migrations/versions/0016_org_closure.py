"""org_closure: the org chart's closure table (manager · everyone below them · depth), built from people

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# The same walk as bot/db/org_chart.py's rebuild (a migration does not import the application).
BUILD = """
INSERT INTO org_closure (ancestor_id, descendant_id, depth)
WITH RECURSIVE walk(ancestor_id, descendant_id, depth) AS (
    SELECT manager_id, id, 1 FROM people WHERE manager_id IS NOT NULL
    UNION ALL
    SELECT walk.ancestor_id, people.id, walk.depth + 1
    FROM walk JOIN people ON people.manager_id = walk.descendant_id
    WHERE walk.depth < 1000
)
SELECT ancestor_id, descendant_id, depth FROM walk
"""


def upgrade() -> None:
    op.create_table(
        "org_closure",
        sa.Column("ancestor_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("descendant_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("ancestor_id", "descendant_id", name=op.f("pk_org_closure")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_org_closure_descendant_ancestor", "org_closure", ["descendant_id", "ancestor_id"], unique=False)
    op.execute(BUILD)


def downgrade() -> None:
    op.drop_index("ix_org_closure_descendant_ancestor", table_name="org_closure")
    op.drop_table("org_closure")
