"""Type names for SQLAlchemy statements passed between modules (a SELECT of any columns), and work units' SQL type."""

from __future__ import annotations

from typing import Any, TypeAlias

from sqlalchemy import Numeric, Select

AnySelect: TypeAlias = Select[*tuple[Any, ...]]

# Work units in SQL arithmetic (counted output, verified PRs, endorsements): one type, so terms add exactly.
WORK_UNITS = Numeric(10, 2)
