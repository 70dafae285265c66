"""The local metric frame against pyproj's WGS84 geodesic (the reference)."""

from __future__ import annotations

import pytest
import shapely
from pyproj import Geod

from api.layers.frame import LocalFrame

CENTRE = LocalFrame(lat0_deg=37.15, lon0_deg=126.95)  # Hwaseong


@pytest.mark.parametrize(
    ("lat", "lon"), [(37.15, 126.95), (37.30, 127.10), (37.00, 126.70)], ids=["centre", "ne-edge", "sw-edge"]
)
@pytest.mark.parametrize("azimuth_deg", [0, 45, 90, 135])
def test_short_distances_match_the_geodesic(lat: float, lon: float, azimuth_deg: float) -> None:
    geod = Geod(ellps="WGS84")
    lon2, lat2, _ = geod.fwd(lon, lat, azimuth_deg, 50.0)
    planar_m = CENTRE.point_m(lat, lon).distance(CENTRE.point_m(lat2, lon2))
    assert planar_m == pytest.approx(50.0, rel=3e-3)  # < 15 cm at 50 m, 25 km from the centre


def test_round_trip() -> None:
    line = shapely.LineString([(126.9, 37.1), (127.0, 37.2)])
    back = CENTRE.to_lonlat(CENTRE.to_metres(line))
    assert shapely.equals_exact(line, back, tolerance=1e-9)
