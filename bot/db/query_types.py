"""Type names for SQLAlchemy statements passed between modules (a SELECT of any columns)."""

from __future__ import annotations

from typing import Any, TypeAlias

from sqlalchemy import Select

AnySelect: TypeAlias = Select[*tuple[Any, ...]]
