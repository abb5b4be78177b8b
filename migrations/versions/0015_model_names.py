"""Stored model names take the one spelling imports now write, never merging two rows

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29

A row is renamed only where no row already holds the same key under the new spelling (the same
person · day · provider, or day · provider for the anonymous totals): two such rows may be one day's
usage imported twice under two spellings, or two real rows, and this migration cannot tell which,
so it leaves both as they are rather than add or drop anything.
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_SPACES = re.compile(r"\s+")


def _spelled(name: str) -> str:
    # As bot.domain.model_names.normalise_model_name (a migration does not import the application).
    return _SPACES.sub(" ", name.strip()).lower()


def _rename(table_name: str, key: tuple[str, ...]) -> None:
    connection = op.get_bind()
    table = sa.table(table_name, sa.column("model", sa.String), *(sa.column(name) for name in key))
    other = table.alias("other")
    for (model,) in connection.execute(sa.select(table.c.model).distinct()).all():
        spelled = _spelled(model)
        if spelled == model:
            continue
        same_key = sa.and_(*(other.c[name] == table.c[name] for name in key), other.c.model == spelled)
        connection.execute(
            table.update()
            .where(table.c.model == model, ~sa.exists(sa.select(sa.literal(1)).select_from(other).where(same_key)))
            .values(model=spelled)
        )


def upgrade() -> None:
    _rename("usage_daily", ("person_id", "day", "provider"))
    _rename("anonymous_usage_daily", ("day", "provider"))


def downgrade() -> None:
    pass  # the earlier spellings are not kept; the lower-case names are valid in the earlier schema too
