"""Short-range WGS84 geometry on the local tangent plane (exact enough for a dashcam's ~50 m and a city).

The radii of curvature of the WGS84 ellipsoid at the origin's latitude turn metres into degrees; against
pyproj's geodesic this agrees to well under a millimetre at 50 m (tested), where a 6,371 km sphere would be
off by up to ~12 cm. Headings and bearings are degrees clockwise from true north; the local frame is
(east_m, north_m).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "WGS84_A_M",
    "WGS84_E2",
    "LatLon",
    "bearing_deg",
    "distance_m",
    "distance_to_track_m",
    "from_local_m",
    "offset_latlon",
    "radii_of_curvature_m",
    "to_local_m",
]

WGS84_A_M = 6_378_137.0
WGS84_E2 = 6.694_379_990_14e-3


@dataclass(frozen=True, slots=True)
class LatLon:
    """A WGS84 position in degrees (named fields: GeoJSON's [lon, lat] order lives in schemas only)."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (-90.0 <= self.lat <= 90.0 and -180.0 <= self.lon <= 180.0):
            raise ValueError(f"invalid position: lat={self.lat} lon={self.lon}")


def radii_of_curvature_m(lat_deg: float) -> tuple[float, float]:
    """(meridian, prime vertical) radii of curvature at a latitude, in metres."""
    w = math.sqrt(1.0 - WGS84_E2 * math.sin(math.radians(lat_deg)) ** 2)
    return WGS84_A_M * (1.0 - WGS84_E2) / w**3, WGS84_A_M / w


def _wrap_lon(lon_deg: float) -> float:
    return (lon_deg + 180.0) % 360.0 - 180.0


def from_local_m(origin: LatLon, east_m: float, north_m: float) -> LatLon:
    """The position `east_m`, `north_m` from `origin` on its tangent plane (the destination point)."""
    meridian_m, normal_m = radii_of_curvature_m(origin.lat)
    lat = origin.lat + math.degrees(north_m / meridian_m)
    lon = origin.lon + math.degrees(east_m / (normal_m * math.cos(math.radians(origin.lat))))
    return LatLon(lat, _wrap_lon(lon))


def offset_latlon(origin: LatLon, forward_m: float, right_m: float, heading_deg: float) -> LatLon:
    """Move by a vehicle-frame offset (forward along `heading_deg`, right of it)."""
    theta = math.radians(heading_deg)
    north_m = forward_m * math.cos(theta) - right_m * math.sin(theta)
    east_m = forward_m * math.sin(theta) + right_m * math.cos(theta)
    return from_local_m(origin, east_m, north_m)


def to_local_m(origin: LatLon, point: LatLon) -> tuple[float, float]:
    """(east_m, north_m) of `point` on the tangent plane at `origin`; for distances up to a few km.

    The radii are taken at the mid latitude, which keeps the distance symmetric in its two points.
    """
    mid_lat = (origin.lat + point.lat) / 2.0
    meridian_m, normal_m = radii_of_curvature_m(mid_lat)
    east_m = math.radians(_wrap_lon(point.lon - origin.lon)) * normal_m * math.cos(math.radians(mid_lat))
    north_m = math.radians(point.lat - origin.lat) * meridian_m
    return east_m, north_m


def distance_m(a: LatLon, b: LatLon) -> float:
    """Short-range distance in metres (sub-mm to ~100 m, < 0.1 % to a few km)."""
    east_m, north_m = to_local_m(a, b)
    return math.hypot(east_m, north_m)


def bearing_deg(origin: LatLon, target: LatLon) -> float:
    """Initial bearing from origin to target, in [0, 360)."""
    east_m, north_m = to_local_m(origin, target)
    return math.degrees(math.atan2(east_m, north_m)) % 360.0


def distance_to_track_m(point: LatLon, track: Sequence[LatLon]) -> float:
    """Shortest distance from a point to a polyline of fixes (segments on the point's tangent plane)."""
    if not track:
        return math.inf
    xy = [to_local_m(point, p) for p in track]
    if len(xy) == 1:
        return math.hypot(*xy[0])
    best = math.inf
    for (ax, ay), (bx, by) in zip(xy, xy[1:], strict=False):
        dx, dy = bx - ax, by - ay
        seg2 = dx * dx + dy * dy
        t = 0.0 if seg2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / seg2))
        best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best
