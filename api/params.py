"""Numbers in paths and query strings: row ids and paging, bounded to what the database can compare.

Both backends store ids as signed 64-bit integers (PostgreSQL BIGINT/INTEGER, SQLite INTEGER); a larger
number reaches the driver as an OverflowError, so the boundary refuses it with a 4xx naming the parameter.
Routes that parse their own parameters (OGC API, Open311) use `parse_row_id` and `parse_count`, which take
ASCII digits only: `str.isdigit` also accepts '²' and '٣', which `int()` then refuses.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Path, Query

__all__ = ["DB_INT_MAX", "Offset", "RowId", "parse_count", "parse_row_id"]

DB_INT_MAX = 2**63 - 1
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")

RowId = Annotated[int, Path(ge=1, le=DB_INT_MAX, description="a row id (1 .. 2^63-1)")]
Offset = Annotated[int, Query(ge=0, le=DB_INT_MAX, description="rows to skip (0 .. 2^63-1)")]


def parse_row_id(text: str) -> int | None:
    """An id written in ASCII digits within the database's range, else None (the caller answers 404)."""
    if not _ASCII_DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if 1 <= value <= DB_INT_MAX else None


def parse_count(text: str, param: str) -> int:
    """A non-negative count or offset in ASCII digits within the database's range; ValueError naming
    `param` otherwise."""
    if not _ASCII_DIGITS.fullmatch(text) or int(text) > DB_INT_MAX:
        raise ValueError(f"{param}: must be an integer 0 .. {DB_INT_MAX} in ASCII digits")
    return int(text)
