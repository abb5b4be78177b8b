"""Verified evidence and peer endorsement: people.github_login, verified_pull_requests, endorsements

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("github_login", sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f("ix_people_github_login"), ["github_login"], unique=False)

    op.create_table(
        "verified_pull_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repository", sa.String(length=200), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("author_login", sa.String(length=100), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("base_ref", sa.String(length=200), nullable=False),
        sa.Column("changed_lines", sa.Integer(), nullable=False),
        sa.Column("ai_tool", sa.String(length=64), nullable=True),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("reverted_by", sa.Integer(), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_verified_pull_requests_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verified_pull_requests")),
        sa.UniqueConstraint("repository", "number", name="uq_verified_pull_requests_repository_number"),
    )
    with op.batch_alter_table("verified_pull_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_verified_pull_requests_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_verified_pull_requests_week_person", ["week_start", "person_id"], unique=False)

    op.create_table(
        "endorsements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("artifact_id", sa.Integer(), nullable=False),
        sa.Column("endorser_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["artifact_id"], ["artifacts.id"], name=op.f("fk_endorsements_artifact_id_artifacts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["endorser_id"], ["people.id"], name=op.f("fk_endorsements_endorser_id_people"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["people.id"], name=op.f("fk_endorsements_author_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_endorsements")),
        sa.UniqueConstraint("artifact_id", "endorser_id", name="uq_endorsements_artifact_endorser"),
    )
    with op.batch_alter_table("endorsements", schema=None) as batch_op:
        batch_op.create_index("ix_endorsements_week_author", ["week_start", "author_id"], unique=False)
        batch_op.create_index("ix_endorsements_week_endorser", ["week_start", "endorser_id"], unique=False)


def downgrade() -> None:
    op.drop_table("endorsements")
    op.drop_table("verified_pull_requests")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_github_login"))
        batch_op.drop_column("github_login")
