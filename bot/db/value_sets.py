"""`column IN (…)` for thousands of values, sent as one bound parameter.

An IN list of 5,000 ids is 5,000 parameters: the driver converts each and PostgreSQL plans each
(psycopg spent 180 ms converting one team report's queries). One array (PostgreSQL) or one JSON
list (SQLite) costs the same whatever its length.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Select, String, TypeDecorator, any_, bindparam, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeEngine


class ValueList(TypeDecorator[list[Any]]):
    """A list of values bound as one parameter: an array of `item` on PostgreSQL, JSON text elsewhere."""

    impl = String
    cache_ok = True

    def __init__(self, item: TypeEngine[Any]) -> None:
        super().__init__()
        self.item = item

    def load_dialect_impl(self, dialect: Any) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import ARRAY  # here: a SQLite process never loads PostgreSQL's dialect

            return dialect.type_descriptor(ARRAY(self.item))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return value if dialect.name == "postgresql" else json.dumps(value)


class InValues(ColumnElement[bool]):
    """`column IN values`: `column = ANY(:array)` on PostgreSQL, `IN (SELECT value FROM json_each(:json))` on SQLite.

    Cached like any statement: its shape is the column and the parameter's type, and the values are the
    parameter's value, which SQLAlchemy takes from each new statement. (A construct SQLAlchemy cannot cache
    makes every statement holding it compile again: `/buildboard me` compiled 12 of its 17 statements on
    every call.)
    """

    type = Boolean()
    inherit_cache = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("values", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: Any, values: Sequence[Any] | None = None, *, parameter: str | None = None) -> None:
        self.column = column
        if parameter is None:
            self.values = bindparam(None, list(values or ()), type_=ValueList(column.type))
        else:  # the values given when the statement runs
            self.values = bindparam(parameter, type_=ValueList(column.type))

    def self_group(self, against: Any = None) -> InValues:
        # A predicate already: without this, SQLite (no native boolean) was sent `… IN (…) = 1`, which no
        # index serves (one person's seat cost scanned a week of usage_daily: 150 ms instead of 0.1 ms).
        return self


@compiles(InValues, "postgresql")
def _in_values_postgresql(element: InValues, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column == any_(element.values), **kw))


@compiles(InValues)
def _in_values_json(element: InValues, compiler: Any, **kw: Any) -> str:
    listed = func.json_each(element.values).table_valued("value")
    return str(compiler.process(element.column.in_(select(listed.c.value)), **kw))


def in_values(column, values: Sequence) -> ColumnElement[bool]:
    """`column IN values`, the values passed as a single parameter."""
    return InValues(column, values)


@dataclass(frozen=True)
class PeopleParameter:
    """Person ids bound when the statement runs (`{name: ids}`), so that a statement built once serves any people."""

    name: str


# The people a statement built once is run for, bound by this name (`{PEOPLE.name: ids}`).
PEOPLE = PeopleParameter("people")


def among(column, people) -> ColumnElement[bool]:
    """`column IN people`: a subquery (a Select of ids) as it is, a collection of ids as one parameter, a
    PeopleParameter as the parameter it names."""
    if isinstance(people, PeopleParameter):
        return InValues(column, parameter=people.name)
    return column.in_(people) if isinstance(people, Select) else in_values(column, sorted(set(people)))


def of_members(column, members) -> list[ColumnElement[bool]]:
    """`column` restricted to `members` (a Select of person ids, a collection of them, a PeopleParameter, or None
    for everyone)."""
    return [] if members is None else [among(column, members)]


class InWeeks(ColumnElement[bool]):
    """`column IN starts` for the starts of consecutive weeks (a period): on SQLite `BETWEEN first AND last`, which
    its index on (person_id, week_start) reads as one range per person, where the list had it probe the key
    (week_start, person_id) once per week and person (a 24,979-person group's 24 weeks: 600,000 lookups; usage
    303 → 248 ms, counted output 117 → 42 ms). PostgreSQL keeps the list: given the range, it planned small
    groups' reports worse (300 of them 6.7–7.1 → 9.0–11.1 ms each)."""

    type = Boolean()
    inherit_cache = True
    _traverse_internals = [
        ("listed", InternalTraversal.dp_clauseelement),
        ("ranged", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: Any, ordered: Sequence[date]) -> None:
        self.listed = column.in_(ordered)
        self.ranged = column.between(ordered[0], ordered[-1])

    def self_group(self, against: Any = None) -> InWeeks:
        return self  # a predicate already (see InValues)


@compiles(InWeeks)
def _in_weeks_listed(element: InWeeks, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.listed, **kw))


@compiles(InWeeks, "sqlite")
def _in_weeks_ranged(element: InWeeks, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.ranged, **kw))


def in_weeks(column, starts: Collection[date]) -> ColumnElement[bool]:
    """`column IN starts` for the starts of weeks, as a range on SQLite when they are consecutive (InWeeks)."""
    ordered = sorted(set(starts))
    if len(ordered) > 1 and all(b - a == timedelta(weeks=1) for a, b in pairwise(ordered)):
        return InWeeks(column, ordered)
    return column.in_(ordered)
