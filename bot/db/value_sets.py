"""`column IN (…)` for thousands of values, sent as one bound parameter.

An IN list of 5,000 ids is 5,000 parameters: the driver converts each and PostgreSQL plans each
(psycopg spent 180 ms converting one team report's queries). One array (PostgreSQL) or one JSON
list (SQLite) costs the same whatever its length.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import ColumnElement, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session


def in_values(session: Session, column, values: Sequence) -> ColumnElement[bool]:
    """`column IN values`, the values passed as a single parameter."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    listed = func.json_each(bindparam(None, json.dumps(list(values)))).table_valued("value")
    return column.in_(select(listed.c.value))
