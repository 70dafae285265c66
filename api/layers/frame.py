"""A local metric frame (metres east/north of a centre) so that planar shapely measures metres.

Shapely is planar: distances in degrees are meaningless (a degree of longitude is 89 km here, one of
latitude 111 km). Each layer gets an equirectangular frame with WGS84 radii of curvature at its own centre.
Over a city (±0.2° around the centre) the scale error stays under 0.3 %; tests check it against pyproj's
geodesic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from common.geodesy import WGS84_A_M, WGS84_E2

__all__ = ["LocalFrame"]



@dataclass(frozen=True, slots=True)
class LocalFrame:
    """Metres east (x) and north (y) of (`lat0_deg`, `lon0_deg`)."""

    lat0_deg: float
    lon0_deg: float

    def __post_init__(self) -> None:
        if not (-85.0 <= self.lat0_deg <= 85.0 and -180.0 <= self.lon0_deg <= 180.0):
            raise ValueError(f"frame centre lat={self.lat0_deg} lon={self.lon0_deg} is out of range")

    @property
    def metres_per_deg(self) -> tuple[float, float]:
        """(east metres per degree of longitude, north metres per degree of latitude) at the centre."""
        phi = math.radians(self.lat0_deg)
        w = math.sqrt(1.0 - WGS84_E2 * math.sin(phi) ** 2)
        meridian_m = WGS84_A_M * (1.0 - WGS84_E2) / w**3
        normal_m = WGS84_A_M / w
        return math.radians(1.0) * normal_m * math.cos(phi), math.radians(1.0) * meridian_m

    @classmethod
    def around(cls, geometry_lonlat: BaseGeometry) -> LocalFrame:
        minx, miny, maxx, maxy = geometry_lonlat.bounds
        return cls(lat0_deg=(miny + maxy) / 2.0, lon0_deg=(minx + maxx) / 2.0)

    def to_metres(self, geometry_lonlat: BaseGeometry) -> BaseGeometry:
        kx, ky = self.metres_per_deg
        offset = np.array([self.lon0_deg, self.lat0_deg])
        scale = np.array([kx, ky])
        return shapely.transform(geometry_lonlat, lambda xy: (xy - offset) * scale)

    def to_lonlat(self, geometry_m: BaseGeometry) -> BaseGeometry:
        kx, ky = self.metres_per_deg
        offset = np.array([self.lon0_deg, self.lat0_deg])
        scale = np.array([kx, ky])
        return shapely.transform(geometry_m, lambda xy: xy / scale + offset)

    def point_m(self, lat: float, lon: float) -> shapely.Point:
        kx, ky = self.metres_per_deg
        return shapely.Point((lon - self.lon0_deg) * kx, (lat - self.lat0_deg) * ky)
