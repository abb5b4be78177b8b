"""`column IN values` as one bound parameter (bot/db/value_sets.py): the right rows, through the column's index,
compiled once for every list of values."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import Column, Date, Integer, MetaData, String, Table, and_, create_engine, insert, select, text
from sqlalchemy.engine.default import CACHE_HIT, CACHE_MISS

from bot.db.value_sets import among, in_values, in_weeks


def test_in_values_finds_the_rows_through_the_index_even_beside_other_conditions(database_url, tmp_path):
    engine = create_engine(database_url)
    metadata = MetaData()
    rows = Table(
        "value_set_rows",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("person_id", Integer, index=True),
        Column("kind", String(10)),
    )
    try:
        metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(
                insert(rows), [{"person_id": i % 500, "kind": "seat" if i % 7 else "use"} for i in range(5000)]
            )
            connection.execute(text("ANALYZE value_set_rows" if engine.dialect.name == "postgresql" else "ANALYZE"))
        query = select(rows.c.id).where(and_(rows.c.kind == "seat", among(rows.c.person_id, [3, 4, 700])))
        with engine.connect() as connection:
            found = set(connection.scalars(query))
            expected = {i + 1 for i in range(5000) if i % 500 in (3, 4) and i % 7}  # ids count from 1
            assert found == expected
            assert set(connection.scalars(select(rows.c.id).where(in_values(rows.c.person_id, [])))) == set()
            sql = str(query.compile(engine, compile_kwargs={"literal_binds": False}))
            # A predicate as it is: SQLite (no native boolean) was sent `… IN (…) = 1`, which no index serves.
            assert ") = 1" not in sql, sql
            if engine.dialect.name == "sqlite":
                plan = " ".join(
                    str(row[-1])
                    for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, ("seat", "[3,4,700]"))
                )
                assert "ix_value_set_rows_person_id" in plan, plan
    finally:
        metadata.drop_all(engine)
        engine.dispose()


def test_a_statement_with_in_values_is_compiled_once_and_reused_with_other_values(database_url):
    engine = create_engine(database_url)
    metadata = MetaData()
    rows = Table("value_set_cached", metadata, Column("id", Integer, primary_key=True), Column("name", String(20)))
    try:
        metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(insert(rows), [{"id": i, "name": f"n{i}"} for i in range(1, 21)])

        def ask(ids: list[int], names: list[str]):
            # Built afresh each time, as the services build their statements.
            query = select(rows.c.id).where(in_values(rows.c.id, ids), in_values(rows.c.name, names))
            with engine.connect() as connection:
                result = connection.execute(query.order_by(rows.c.id))
                return result.scalars().all(), result.context.cache_hit

        assert ask([1, 2, 3], ["n2", "n3", "n9"]) == ([2, 3], CACHE_MISS)
        # The same shape with other values: the compiled form is reused and the new values are the ones sent.
        assert ask([9, 10, 11, 12], ["n9", "n12"]) == ([9, 12], CACHE_HIT)
        assert ask([], ["n1"]) == ([], CACHE_HIT)
        assert ask(list(range(1, 21)), [f"n{i}" for i in range(5, 8)]) == ([5, 6, 7], CACHE_HIT)
    finally:
        metadata.drop_all(engine)
        engine.dispose()


def test_in_weeks_is_the_list_of_weeks_read_as_a_range_on_sqlite_and_compiled_once(database_url):
    """in_weeks: the same rows as `IN (…)` whatever the weeks (consecutive, with gaps, repeated, one, in any order);
    consecutive weeks as a range on SQLite (through the (person, week) key), as the list on PostgreSQL; one
    compiled form for every period of the same length."""
    engine = create_engine(database_url)
    metadata = MetaData()
    rows = Table(
        "in_weeks_rows",
        metadata,
        Column("person_id", Integer, primary_key=True),
        Column("week_start", Date, primary_key=True),
    )
    monday = date(2026, 11, 16)
    mondays = [monday - timedelta(weeks=n) for n in range(30)]
    try:
        metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(insert(rows), [{"person_id": p, "week_start": w} for p in range(40) for w in mondays])

        def ask(starts):
            query = select(rows.c.person_id, rows.c.week_start).where(
                in_weeks(rows.c.week_start, starts), rows.c.person_id < 30
            )
            with engine.connect() as connection:
                result = connection.execute(query)
                return set(result.all()), result.context.cache_hit, str(query.compile(engine))

        rng = random.Random(7)
        for starts in (
            mondays[:12],
            mondays[3:27],
            [mondays[0], mondays[2], mondays[3]],
            [mondays[5]],
            mondays[:4] * 2,
            rng.sample(mondays[:12], 12),
        ):
            found, _, sql = ask(starts)
            with engine.connect() as connection:
                listed = set(
                    connection.execute(
                        select(rows.c.person_id, rows.c.week_start).where(
                            rows.c.week_start.in_(starts), rows.c.person_id < 30
                        )
                    ).all()
                )
            assert found == listed and found, starts
            consecutive = len(set(starts)) > 1 and max(starts) - min(starts) == timedelta(weeks=len(set(starts)) - 1)
            assert ("BETWEEN" in sql) == (consecutive and engine.dialect.name == "sqlite"), sql
        # Twelve other consecutive weeks: the compiled form of the first twelve, the new weeks sent.
        found, cache, _ = ask(mondays[1:13])
        assert cache == CACHE_HIT and {w for _, w in found} == set(mondays[1:13])
    finally:
        metadata.drop_all(engine)
        engine.dispose()
