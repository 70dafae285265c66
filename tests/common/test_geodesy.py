"""WGS84 geometry against the reference (pyproj's geodesic)."""

from __future__ import annotations

import pytest
from pyproj import Geod

from common.geodesy import (
    LatLon,
    bearing_deg,
    distance_m,
    distance_to_track_m,
    from_local_m,
    offset_latlon,
    to_local_m,
)

GEOD = Geod(ellps="WGS84")
ORIGIN = LatLon(37.2, 126.83)


@pytest.mark.parametrize("lat", [0.0, 37.2, 60.0, -33.9], ids=["equator", "hwaseong", "oslo", "sydney"])
@pytest.mark.parametrize("range_m", [5.0, 20.0, 50.0])
def test_offset_matches_pyproj_every_heading(lat: float, range_m: float) -> None:
    origin = LatLon(lat, 126.83)
    worst_m = 0.0
    for heading_deg in range(0, 360, 5):
        moved = offset_latlon(origin, forward_m=range_m, right_m=0.0, heading_deg=heading_deg)
        ref_lon, ref_lat, _ = GEOD.fwd(origin.lon, origin.lat, heading_deg, range_m)
        _, _, err_m = GEOD.inv(moved.lon, moved.lat, ref_lon, ref_lat)
        worst_m = max(worst_m, err_m)
    assert worst_m < 0.01  # sub-centimetre at 50 m, every heading


def test_right_offset_is_heading_plus_90() -> None:
    moved = offset_latlon(ORIGIN, forward_m=0.0, right_m=30.0, heading_deg=10.0)
    ref_lon, ref_lat, _ = GEOD.fwd(ORIGIN.lon, ORIGIN.lat, 100.0, 30.0)
    assert GEOD.inv(moved.lon, moved.lat, ref_lon, ref_lat)[2] < 0.01


@pytest.mark.parametrize("heading_deg", [0.0, 45.0, 133.0, 270.0, 359.0])
def test_distance_and_bearing_match_pyproj(heading_deg: float) -> None:
    lon, lat, _ = GEOD.fwd(ORIGIN.lon, ORIGIN.lat, heading_deg, 40.0)
    target = LatLon(lat, lon)
    assert distance_m(ORIGIN, target) == pytest.approx(40.0, abs=0.005)
    assert (bearing_deg(ORIGIN, target) - heading_deg + 180) % 360 - 180 == pytest.approx(0.0, abs=0.01)


def test_distance_to_track() -> None:
    track = [offset_latlon(ORIGIN, 0, -50, 0.0), offset_latlon(ORIGIN, 0, 50, 0.0)]  # an east-west line
    assert distance_to_track_m(offset_latlon(ORIGIN, 7.0, 10.0, 0.0), track) == pytest.approx(7.0, abs=0.01)


@pytest.mark.parametrize(("east_m", "north_m"), [(30.0, 0.0), (-12.5, 40.0), (250.0, -700.0)])
def test_local_frame_round_trips_and_matches_pyproj(east_m: float, north_m: float) -> None:
    point = from_local_m(ORIGIN, east_m, north_m)
    back_east_m, back_north_m = to_local_m(ORIGIN, point)
    assert (back_east_m, back_north_m) == (pytest.approx(east_m, rel=1e-4), pytest.approx(north_m, rel=1e-4))
    _, _, reference_m = GEOD.inv(ORIGIN.lon, ORIGIN.lat, point.lon, point.lat)
    assert distance_m(ORIGIN, point) == pytest.approx(reference_m, rel=1e-3)


def test_longitude_wraps_at_the_antimeridian() -> None:
    east_of_dateline = from_local_m(LatLon(0.0, 179.9999), east_m=50.0, north_m=0.0)
    assert -180.0 < east_of_dateline.lon < -179.99
    assert distance_m(LatLon(0.0, 179.9999), east_of_dateline) == pytest.approx(50.0, abs=0.01)


def test_positions_out_of_range_are_refused_naming_the_values() -> None:
    with pytest.raises(ValueError, match="lat=95"):
        LatLon(95.0, 0.0)
