"""usage_daily's monthly partitions on PostgreSQL (migration 0021); SQLite keeps one plain table.

At a million people a week of usage is ~8 million rows, so usage_daily is partitioned by month on `day`
(declarative RANGE partitioning). Why this shape:
- The primary key is (id, day) and the natural key (person, day, provider, model) already holds `day`:
  PostgreSQL requires every unique constraint of a partitioned table to include the partition key, so the
  upserts' ON CONFLICT target is unchanged. `id` stays unique in practice (one sequence feeds it) and
  nothing refers to it by foreign key.
- Partitions are created on demand, in the transaction of the write that needs them (write_usage, the
  seat charges), so an import of any month commits its partition with its rows or neither. The daily
  retention job also creates the next months ahead, so the on-demand path (which locks usage_daily until
  its transaction commits) is rare in practice.
- A DEFAULT partition catches any row written around these functions (a hand-made INSERT, a bulk load):
  no write ever fails for want of a partition. Creating a month moves that month's rows out of the
  default partition first, so the default stays empty on the product's own paths.
- Retention drops the monthly partitions it has emptied (whole months before the cutoff), which gives
  the space back at once instead of leaving it to VACUUM.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

TABLE = "usage_daily"
DEFAULT_PARTITION = "usage_daily_default"
# pg_advisory_xact_lock key: creating partitions takes turns (two imports of a new month at once).
_PARTITION_LOCK = 0x0B0A_7D0C
_MONTHLY = re.compile(r"usage_daily_(\d{4})_(\d{2})")
_PARTITIONS = text(
    "SELECT child.relname FROM pg_inherits JOIN pg_class child ON child.oid = pg_inherits.inhrelid"
    " WHERE pg_inherits.inhparent = to_regclass(:table)"
)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + 1, 1, 1) if month.month == 12 else date(month.year, month.month + 1, 1)


def partition_name(month: date) -> str:
    """The partition holding the month starting `month`: usage_daily_2026_11."""
    return f"{TABLE}_{month.year:04d}_{month.month:02d}"


def is_partitioned(session: Session) -> bool:
    """True on PostgreSQL once migration 0021 has partitioned usage_daily."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    kind = session.execute(text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:table)"), {"table": TABLE})
    return kind.scalar() == "p"


def usage_partitions(session: Session) -> set[str]:
    """The names of usage_daily's partitions (empty when it is not partitioned)."""
    if session.get_bind().dialect.name != "postgresql":
        return set()
    return set(session.execute(_PARTITIONS, {"table": TABLE}).scalars())


def ensure_usage_partitions(session: Session, days: Iterable[date]) -> list[date]:
    """Create the monthly partitions these days need that do not exist yet, in the caller's transaction.

    Returns the months created. A no-op on SQLite and on an unpartitioned table. Rows of a created month
    that had landed in the DEFAULT partition move into the new partition, keeping their ids.
    """
    months = sorted({month_start(day) for day in days})
    if not months or not is_partitioned(session):
        return []
    existing = usage_partitions(session)
    if all(partition_name(month) in existing for month in months):
        return []  # the usual case: no lock taken
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PARTITION_LOCK})
    existing = usage_partitions(session)  # another transaction may have created some meanwhile
    created = []
    for month in months:
        if partition_name(month) not in existing:
            _create_month(session, month, has_default=DEFAULT_PARTITION in existing)
            created.append(month)
    return created


def _create_month(session: Session, month: date, *, has_default: bool) -> None:
    name, bounds = partition_name(month), {"first": month, "after": next_month(month)}
    values = f"FOR VALUES FROM ('{month.isoformat()}') TO ('{next_month(month).isoformat()}')"
    stranded = (
        has_default
        and session.execute(
            text(f"SELECT EXISTS (SELECT 1 FROM {DEFAULT_PARTITION} WHERE day >= :first AND day < :after)"), bounds
        ).scalar()
    )
    if not stranded:
        session.execute(text(f"CREATE TABLE {name} PARTITION OF {TABLE} {values}"))
        return
    # PostgreSQL refuses a new partition while the default one holds rows of its range: take the default
    # out, create the month, move its rows through the parent (they land in the new month), put it back.
    session.execute(text(f"ALTER TABLE {TABLE} DETACH PARTITION {DEFAULT_PARTITION}"))
    session.execute(text(f"CREATE TABLE {name} PARTITION OF {TABLE} {values}"))
    session.execute(
        text(f"INSERT INTO {TABLE} SELECT * FROM {DEFAULT_PARTITION} WHERE day >= :first AND day < :after"), bounds
    )
    session.execute(text(f"DELETE FROM {DEFAULT_PARTITION} WHERE day >= :first AND day < :after"), bounds)
    session.execute(text(f"ALTER TABLE {TABLE} ATTACH PARTITION {DEFAULT_PARTITION} DEFAULT"))


def drop_emptied_partitions(session: Session, cutoff: date) -> list[str]:
    """Drop the monthly partitions wholly before `cutoff` once they hold no rows (after retention's fold)."""
    dropped = []
    for name in sorted(usage_partitions(session)):
        monthly = _MONTHLY.fullmatch(name)
        if monthly is None:  # the default partition, or one made by hand
            continue
        if next_month(date(int(monthly[1]), int(monthly[2]), 1)) > cutoff:
            continue
        if session.execute(text(f"SELECT EXISTS (SELECT 1 FROM {name})")).scalar():
            continue
        session.execute(text(f"DROP TABLE {name}"))
        dropped.append(name)
    return dropped
