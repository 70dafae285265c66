"""PURE parsing of the query parameters every publishing endpoint shares: bbox and datetime (intervals)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

__all__ = ["MAX_YEAR", "MIN_YEAR", "parse_bbox", "parse_datetime", "parse_interval"]

MIN_YEAR, MAX_YEAR = 1970, 2200


def parse_bbox(text: str, *, param: str = "bbox") -> tuple[float, float, float, float]:
    """'minlon,minlat,maxlon,maxlat' (CRS84, 4 or 6 numbers with heights ignored)."""
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise ValueError(
            f"{param}: {text!r} must be 4 comma-separated numbers minlon,minlat,maxlon,maxlat"
        ) from None
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise ValueError(f"{param}: {text!r} must be 4 comma-separated numbers minlon,minlat,maxlon,maxlat")
    minlon, minlat, maxlon, maxlat = values
    if not (-180 <= minlon <= 180 and -180 <= maxlon <= 180 and -90 <= minlat <= maxlat <= 90):
        raise ValueError(f"{param}: {text!r} is outside lon -180..180 / lat -90..90 or has minlat > maxlat")
    return minlon, minlat, maxlon, maxlat


def parse_datetime(text: str, *, param: str = "datetime") -> datetime:
    """RFC 3339 date-time (or a plain date) in years `MIN_YEAR`..`MAX_YEAR`; naive values are taken as UTC.

    The years are bounded because arithmetic near year 1 or 9999 (a default window, a time zone) overflows,
    and no pothole was seen outside them."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValueError
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError(
            f"{param}: {text[:40]!r} is not an RFC 3339 date-time in years {MIN_YEAR}..{MAX_YEAR} "
            "(e.g. 2026-11-25T10:00:00Z)"
        ) from None


def parse_interval(text: str, *, param: str = "datetime") -> tuple[datetime | None, datetime | None]:
    """OGC API datetime: an instant, 'start/end', or open ends '../end', 'start/..' (empty means open too)."""
    if "/" not in text:
        instant = parse_datetime(text, param=param)
        return instant, instant
    start_text, _, end_text = text.partition("/")
    start = None if start_text in ("", "..") else parse_datetime(start_text, param=param)
    end = None if end_text in ("", "..") else parse_datetime(end_text, param=param)
    if start is None and end is None:
        raise ValueError(f"{param}: {text!r} leaves both ends open")
    if start is not None and end is not None and start > end:
        raise ValueError(f"{param}: {text!r} starts after it ends")
    return start, end
