"""people.team_key: the team name casefolded in Python, so `Équipe` is found as `équipe` on SQLite too

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team_key", sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f("ix_people_team_key"), ["team_key"], unique=False)
    # SQL lower() folds only ASCII on SQLite, so the key is computed here, as bot.domain.text.team_key does.
    connection = op.get_bind()
    people = sa.table(
        "people", sa.column("id", sa.Integer), sa.column("team", sa.String), sa.column("team_key", sa.String)
    )
    teams = [
        name for (name,) in connection.execute(sa.select(people.c.team).where(people.c.team.is_not(None)).distinct())
    ]
    for name in teams:
        connection.execute(people.update().where(people.c.team == name).values(team_key=name.strip().casefold()))


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_team_key"))
        batch_op.drop_column("team_key")
