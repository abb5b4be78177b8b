"""`column IN (…)` for thousands of values, sent as one bound parameter.

An IN list of 5,000 ids is 5,000 parameters: the driver converts each and PostgreSQL plans each
(psycopg spent 180 ms converting one team report's queries). One array (PostgreSQL) or one JSON
list (SQLite) costs the same whatever its length.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import Boolean, ColumnElement, Select, any_, bindparam, func, select
from sqlalchemy.ext.compiler import compiles


class InValues(ColumnElement[bool]):
    """`column IN values`: `column = ANY(:array)` on PostgreSQL, `IN (SELECT value FROM json_each(:json))` on SQLite."""

    type = Boolean()
    inherit_cache = False  # the values are data, not part of the statement's shape

    def __init__(self, column, values: Sequence) -> None:
        self.column = column
        self.values = list(values)

    def self_group(self, against=None):
        # A predicate already: without this, SQLite (no native boolean) was sent `… IN (…) = 1`, which no
        # index serves (one person's seat cost scanned a week of usage_daily: 150 ms instead of 0.1 ms).
        return self


@compiles(InValues, "postgresql")
def _in_values_postgresql(element: InValues, compiler, **kw) -> str:
    from sqlalchemy.dialects.postgresql import ARRAY  # here: a SQLite process never loads PostgreSQL's dialect

    array = bindparam(None, element.values, type_=ARRAY(element.column.type))
    return compiler.process(element.column == any_(array), **kw)


@compiles(InValues)
def _in_values_json(element: InValues, compiler, **kw) -> str:
    listed = func.json_each(bindparam(None, json.dumps(element.values))).table_valued("value")
    return compiler.process(element.column.in_(select(listed.c.value)), **kw)


def in_values(column, values: Sequence) -> ColumnElement[bool]:
    """`column IN values`, the values passed as a single parameter."""
    return InValues(column, values)


def among(column, people) -> ColumnElement[bool]:
    """`column IN people`: a subquery (a Select of ids) as it is, a collection of ids as one parameter."""
    return column.in_(people) if isinstance(people, Select) else in_values(column, sorted(set(people)))


def of_members(column, members) -> list[ColumnElement[bool]]:
    """`column` restricted to `members` (a Select of person ids, a collection of them, or None for everyone)."""
    return [] if members is None else [among(column, members)]
