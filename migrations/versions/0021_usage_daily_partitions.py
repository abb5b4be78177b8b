"""usage_daily partitioned by month on PostgreSQL (RANGE on day, a DEFAULT partition); a partial index of seat rows

The table is rebuilt: the old one is renamed, a partitioned one takes its name, a partition is created
for every month holding rows (and this month and the next two), the rows are copied with their ids and
the old table dropped. The id sequence moves to the new table, so ids keep counting from where they were.
The primary key becomes (id, day): PostgreSQL requires the partition key in every unique constraint; the
natural key (person, day, provider, model) already has it. bot/db/usage_partitions.py creates later months.
SQLite keeps one plain table. Both get an index of the seat rows by day (a week's seat cost without a scan).

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-29
"""

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

COLUMNS = (
    "id, person_id, day, provider, model, input_tokens, cached_input_tokens, output_tokens, requests, cost_usd,"
    " cost_source, source, updated_at"
)
# The columns as 0001 created them (the models' types), without constraints.
COLUMN_DEFINITIONS = """
    id BIGINT NOT NULL DEFAULT nextval('usage_daily_id_seq'::regclass),
    person_id INTEGER NOT NULL,
    day DATE NOT NULL,
    provider VARCHAR(32) NOT NULL,
    model VARCHAR(120) NOT NULL,
    input_tokens BIGINT NOT NULL,
    cached_input_tokens BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL,
    requests INTEGER NOT NULL,
    cost_usd NUMERIC(16, 6) NOT NULL,
    cost_source VARCHAR(16) NOT NULL,
    source VARCHAR(32) NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL
"""
CONSTRAINTS = """,
    CONSTRAINT uq_usage_daily_person_day_provider_model UNIQUE (person_id, day, provider, model),
    CONSTRAINT fk_usage_daily_person_id_people FOREIGN KEY (person_id) REFERENCES people (id) ON DELETE CASCADE
"""
OLD_NAMES = (
    "pk_usage_daily",
    "uq_usage_daily_person_day_provider_model",
    "fk_usage_daily_person_id_people",
)


def _next_month(month: date) -> date:
    return date(month.year + 1, 1, 1) if month.month == 12 else date(month.year, month.month + 1, 1)


def _months(first: date | None, last: date | None) -> list[date]:
    # A copy of the month arithmetic of bot/db/usage_partitions.py (migrations never import the application).
    this_month = date.today().replace(day=1)
    start = min(first.replace(day=1), this_month) if first else this_month
    end = max(last.replace(day=1), this_month) if last else this_month
    end = _next_month(_next_month(end))
    months = [start]
    while months[-1] < end:
        months.append(_next_month(months[-1]))
    return months


def _set_aside(table: str) -> None:
    """Rename usage_daily to `table` and free its constraint and index names for the new table."""
    op.execute(f"ALTER TABLE usage_daily RENAME TO {table}")
    for name in OLD_NAMES:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    op.execute("DROP INDEX ix_usage_daily_day_person")


def _take_over_sequence(old_table: str) -> None:
    op.execute(f"ALTER TABLE {old_table} ALTER COLUMN id DROP DEFAULT")
    op.execute("ALTER SEQUENCE usage_daily_id_seq OWNED BY usage_daily.id")
    op.execute(f"INSERT INTO usage_daily ({COLUMNS}) SELECT {COLUMNS} FROM {old_table}")
    op.execute(f"DROP TABLE {old_table}")
    op.execute("CREATE INDEX ix_usage_daily_day_person ON usage_daily (day, person_id)")


SEAT_ROWS = sa.text("cost_source = 'seat'")


def _create_seat_index() -> None:
    op.create_index(
        "ix_usage_daily_seat_day", "usage_daily", ["day"], postgresql_where=SEAT_ROWS, sqlite_where=SEAT_ROWS
    )


def _create_seat_person_index() -> None:
    """0020's index of a person's seat rows, on the table that replaced the one it was made on."""
    op.create_index("ix_usage_daily_seat_person_day", "usage_daily", ["person_id", "day"], postgresql_where=SEAT_ROWS)


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        _create_seat_index()  # SQLite: one plain table (a file database is not where a million people live)
        return
    first, last = connection.exec_driver_sql("SELECT min(day), max(day) FROM usage_daily").one()
    _set_aside("usage_daily_unpartitioned")
    op.execute(
        f"CREATE TABLE usage_daily ({COLUMN_DEFINITIONS}, CONSTRAINT pk_usage_daily PRIMARY KEY (id, day)"
        f"{CONSTRAINTS}) PARTITION BY RANGE (day)"
    )
    for month in _months(first, last):
        op.execute(
            f"CREATE TABLE usage_daily_{month.year:04d}_{month.month:02d} PARTITION OF usage_daily"
            f" FOR VALUES FROM ('{month.isoformat()}') TO ('{_next_month(month).isoformat()}')"
        )
    op.execute("CREATE TABLE usage_daily_default PARTITION OF usage_daily DEFAULT")
    _take_over_sequence("usage_daily_unpartitioned")
    _create_seat_index()
    _create_seat_person_index()


def downgrade() -> None:
    op.drop_index("ix_usage_daily_seat_day", table_name="usage_daily")
    if op.get_bind().dialect.name != "postgresql":
        return
    _set_aside("usage_daily_partitioned")
    op.execute(
        f"CREATE TABLE usage_daily ({COLUMN_DEFINITIONS}, CONSTRAINT pk_usage_daily PRIMARY KEY (id){CONSTRAINTS})"
    )
    _take_over_sequence("usage_daily_partitioned")  # its partitions go with it
    _create_seat_person_index()
