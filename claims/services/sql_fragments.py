"""SQL fragments that both matching phases build for raw queries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection


def _marks(values: Sequence[int]) -> str:
    return ", ".join(["%s"] * len(values))


def id_filter(column: str, ids: Sequence[int]) -> tuple[str, list[Any]]:
    """``column`` among ``ids`` as SQL and parameters: one array parameter on PostgreSQL, a list elsewhere."""
    if connection.vendor == "postgresql":
        # Thousands of separate placeholders cost more to bind than the query takes to run.
        return f"{column} = ANY(%s)", [list(ids)]
    return f"{column} IN ({_marks(ids)})", list(ids)
