"""Geometry against the reference (pyproj's WGS84 geodesic), and the camera model's known answers."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from pyproj import Geod

from api.geo import (
    DEFAULT_CAMERA,
    CameraProfile,
    GeolocationError,
    GpsFix,
    LatLon,
    TimedFix,
    bearing_deg,
    cell_of,
    cells_covering,
    distance_m,
    geolocate_box,
    heading_from_fixes,
    offset_latlon,
)
from api.geo.distance import distance_to_track_m
from api.geo.geolocate import ground_offset_m

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


def test_optical_axis_row_lands_at_h_over_tan_pitch() -> None:
    cam = CameraProfile(height_m=1.4, pitch_down_deg=9.0)
    forward_m, right_m = ground_offset_m(cam.cx_px, cam.cy_px, cam)
    assert forward_m == pytest.approx(1.4 / math.tan(math.radians(9.0)))
    assert right_m == pytest.approx(0.0)


def test_pixel_right_of_centre_lands_right() -> None:
    forward_m, right_m = ground_offset_m(DEFAULT_CAMERA.cx_px + 200, 900, DEFAULT_CAMERA)
    assert right_m > 0 and forward_m > 0


def test_box_above_horizon_is_an_error() -> None:
    with pytest.raises(GeolocationError, match="horizon"):
        geolocate_box((900, 10, 1000, 60), GpsFix(37.2, 126.83, heading_deg=0.0), DEFAULT_CAMERA)


def test_missing_heading_is_an_error_naming_the_field() -> None:
    with pytest.raises(GeolocationError, match="heading_deg"):
        geolocate_box((900, 800, 1000, 860), GpsFix(37.2, 126.83), DEFAULT_CAMERA)


def test_geolocated_point_is_ahead_along_heading_and_uncertainty_grows_with_range() -> None:
    gps = GpsFix(37.2, 126.83, accuracy_m=1.0, heading_deg=90.0)
    near = geolocate_box((900, 900, 1020, 960), gps, DEFAULT_CAMERA)
    far = geolocate_box((940, 560, 980, 570), gps, DEFAULT_CAMERA)
    assert near.lon > gps.lon and abs(near.lat - gps.lat) < 1e-6  # east
    assert far.forward_m > near.forward_m
    assert far.uncertainty_m > near.uncertainty_m >= 1.0
    assert 0.05 < near.width_m < 2.0 and near.length_m > 0


def test_distortion_moves_edge_points_inward_on_the_ground() -> None:
    """Barrel distortion squeezes the edges: undistorting pushes an edge pixel outward, i.e. further right."""
    plain = CameraProfile()
    barrel = CameraProfile(dist_coeffs=(-0.3, 0.08, 0.0, 0.0))
    gps = GpsFix(37.2, 126.83, heading_deg=0.0)
    box = (1600.0, 850.0, 1700.0, 900.0)
    a, b = geolocate_box(box, gps, plain), geolocate_box(box, gps, barrel)
    assert b.right_m > a.right_m


def test_scaled_camera_keeps_field_of_view() -> None:
    half = DEFAULT_CAMERA.scaled_to((960, 540))
    assert half.fx_px == pytest.approx(DEFAULT_CAMERA.fx_px / 2)


@pytest.mark.parametrize("field", ["height_m", "pitch_down_deg", "hfov_deg"])
def test_camera_rejects_out_of_range(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        CameraProfile(**{field: 500.0})


def _fix(seconds: float, north_m: float, east_m: float = 0.0) -> TimedFix:
    t0 = datetime(2026, 11, 25, 10, tzinfo=UTC)
    p = offset_latlon(ORIGIN, forward_m=north_m, right_m=east_m, heading_deg=0.0)
    return TimedFix(t0 + timedelta(seconds=seconds), p, 2.0)


def test_heading_from_fixes_uses_a_long_enough_baseline() -> None:
    current = _fix(10, 30.0, 30.0)
    previous = [_fix(9.9, 29.5, 29.5), _fix(5, 0.0, 0.0)]  # the closest is only 0.7 m away
    heading, sigma = heading_from_fixes(current, previous, min_distance_m=8.0) or (None, None)
    assert heading == pytest.approx(45.0, abs=0.2)
    assert sigma is not None and sigma < 5


def test_heading_from_fixes_none_when_standing_or_stale() -> None:
    assert heading_from_fixes(_fix(10, 0.5), [_fix(9, 0.0)]) is None
    assert heading_from_fixes(_fix(100, 50.0), [_fix(0, 0.0)], max_age_s=30) is None


def test_cells_cover_every_point_within_the_radius() -> None:
    cells = set(cells_covering(ORIGIN, 12.0, 10.0))
    for heading_deg in range(0, 360, 15):
        for r in (1.0, 6.0, 11.9):
            assert cell_of(offset_latlon(ORIGIN, r, 0.0, heading_deg), 10.0) in cells
    assert len(cells) <= 16


def test_lock_keys_are_distinct_and_signed_64_bit() -> None:
    keys = [c.lock_key() for c in cells_covering(LatLon(-33.9, -151.2), 12.0, 10.0)]
    assert len(set(keys)) == len(keys)
    assert all(-(2**63) <= k < 2**63 for k in keys)


def test_distance_to_track() -> None:
    track = [offset_latlon(ORIGIN, 0, -50, 0.0), offset_latlon(ORIGIN, 0, 50, 0.0)]  # an east-west line
    assert distance_to_track_m(offset_latlon(ORIGIN, 7.0, 10.0, 0.0), track) == pytest.approx(7.0, abs=0.01)
