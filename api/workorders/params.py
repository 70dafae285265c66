"""Query parameters of the staff's map reads: GET /v1/potholes (here) and GET /v1/queue (crews).

Both answer 422 through the error table, unlike the publishing endpoints (`api.publish.params`), whose
protocols (OGC API, Open311) have their own error bodies and accept heights in a bbox.
"""

from __future__ import annotations

from api.errors import InvalidInputError

__all__ = ["parse_bbox"]


def parse_bbox(bbox: str | None) -> tuple[float, float, float, float] | None:
    """'minlon,minlat,maxlon,maxlat' (CRS84 order, as OGC API and GeoJSON)."""
    if bbox is None:
        return None
    try:
        min_lon, min_lat, max_lon, max_lat = (float(v) for v in bbox.split(","))
    except ValueError:
        raise InvalidInputError(f"bbox: {bbox!r} is not 'minlon,minlat,maxlon,maxlat'") from None
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise InvalidInputError(f"bbox: {bbox!r} is out of range or min > max")
    return min_lon, min_lat, max_lon, max_lat
