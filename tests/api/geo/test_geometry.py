"""The camera model's known answers, geolocation of a box, and the grid cells of the nearby search."""

from __future__ import annotations

import math

import pytest

from api.geo import DEFAULT_CAMERA, CameraProfile, GeolocationError, cell_of, cells_covering, geolocate_box
from api.geo.geolocate import ground_offset_m
from common.geodesy import LatLon, offset_latlon
from common.gps import GpsFix

ORIGIN = LatLon(37.2, 126.83)
T0 = 1_795_000_000.0


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
        geolocate_box((900, 10, 1000, 60), GpsFix(T0, 37.2, 126.83, heading_deg=0.0), DEFAULT_CAMERA)


def test_missing_heading_is_an_error_naming_the_field() -> None:
    with pytest.raises(GeolocationError, match="heading_deg"):
        geolocate_box((900, 800, 1000, 860), GpsFix(T0, 37.2, 126.83), DEFAULT_CAMERA)


def test_geolocated_point_is_ahead_along_heading_and_uncertainty_grows_with_range() -> None:
    gps = GpsFix(T0, 37.2, 126.83, accuracy_m=1.0, heading_deg=90.0)
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
    gps = GpsFix(T0, 37.2, 126.83, heading_deg=0.0)
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
