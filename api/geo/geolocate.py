"""Box in frame pixels + GPS fix + camera profile -> a ground position with an uncertainty.

Flat-road pinhole model: the ray through the (undistorted) bottom centre of the box meets the road
plane `height_m` below the camera. Depth cannot be measured from one monocular frame, so only width
and length are estimated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from api.geo.camera import CameraProfile
from common.geodesy import LatLon, offset_latlon
from common.gps import GpsFix

PIXEL_SIGMA_MIN_PX = 2.0
PITCH_SIGMA_DEG = 1.0


class GeolocationError(ValueError):
    """The box cannot be put on the road (above the horizon, too far, no heading)."""


@dataclass(frozen=True, slots=True)
class GeoDetection:
    lat: float
    lon: float
    uncertainty_m: float
    width_m: float
    length_m: float
    forward_m: float
    right_m: float


def ground_offset_m(u_px: float, v_px: float, camera: CameraProfile) -> tuple[float, float]:
    """(forward_m, right_m) of the road point imaged at an undistorted pixel."""
    pitch = math.radians(camera.pitch_down_deg)
    x = (u_px - camera.cx_px) / camera.fx_px
    y = (v_px - camera.cy_px) / camera.fy_px
    down = math.sin(pitch) + y * math.cos(pitch)
    if down <= 1e-6:
        raise GeolocationError(f"pixel row {v_px:.1f} is at or above the horizon; it never meets the road")
    t = camera.height_m / down
    return t * (math.cos(pitch) - y * math.sin(pitch)), t * x


def _range_sigma_m(v_px: float, box_height_px: float, camera: CameraProfile) -> float:
    """Range error from the bottom edge's pixel error and the pitch error: dR = h / sin^2(a) * da."""
    y = (v_px - camera.cy_px) / camera.fy_px
    below_horizon = math.radians(camera.pitch_down_deg) + math.atan(y)
    sigma_px = max(PIXEL_SIGMA_MIN_PX, 0.1 * box_height_px)
    sigma_rad = math.hypot(sigma_px / camera.fy_px, math.radians(PITCH_SIGMA_DEG))
    return camera.height_m / math.sin(below_horizon) ** 2 * sigma_rad


def geolocate_box(
    box_xyxy_px: tuple[float, float, float, float],
    gps: GpsFix,
    camera: CameraProfile,
    *,
    heading_deg: float | None = None,
    heading_sigma_deg: float = 3.0,
    max_range_m: float = 60.0,
) -> GeoDetection:
    """Place a detection on the map; `camera` must already match the frame's resolution."""
    heading = gps.heading_deg if heading_deg is None else heading_deg
    if heading is None:
        raise GeolocationError("gps.heading_deg: not given and not derivable from earlier fixes")
    x1, y1, x2, y2 = box_xyxy_px
    bottom_mid, bottom_left, bottom_right, top_mid = camera.undistort_px(
        [((x1 + x2) / 2, y2), (x1, y2), (x2, y2), ((x1 + x2) / 2, y1)]
    )
    forward_m, right_m = ground_offset_m(*bottom_mid, camera)
    range_m = math.hypot(forward_m, right_m)
    if range_m > max_range_m:
        raise GeolocationError(f"box_xyxy_px: ground range {range_m:.0f} m exceeds {max_range_m:.0f} m")
    left_fwd, left_right = ground_offset_m(*bottom_left, camera)
    right_fwd, right_right = ground_offset_m(*bottom_right, camera)
    width_m = math.hypot(right_fwd - left_fwd, right_right - left_right)
    try:
        top_fwd, _ = ground_offset_m(*top_mid, camera)
        length_m = max(0.0, top_fwd - forward_m)
    except GeolocationError:
        length_m = width_m  # the box top sits above the horizon: no better guess than a round hole
    length_m = min(length_m, 5.0 * max(width_m, 0.05))
    sigma_range_m = _range_sigma_m(bottom_mid[1], y2 - y1, camera)
    sigma_lateral_m = range_m * math.radians(heading_sigma_deg)
    uncertainty_m = math.sqrt(gps.accuracy_or_assumed_m**2 + sigma_range_m**2 + sigma_lateral_m**2)
    if not all(map(math.isfinite, (forward_m, right_m, width_m, length_m, uncertainty_m))):
        raise GeolocationError("box_xyxy_px: the camera profile maps this box to no finite ground point")
    # the box's reference point is its near edge: the hole's centre lies half a length further on
    try:
        centre = offset_latlon(LatLon(gps.lat, gps.lon), forward_m + length_m / 2, right_m, heading)
    except ValueError:  # past a pole: no latitude to give it
        raise GeolocationError(
            f"gps: {forward_m:.1f} m ahead of lat {gps.lat} at heading {heading:g} deg is past the pole"
        ) from None
    return GeoDetection(centre.lat, centre.lon, uncertainty_m, width_m, length_m, forward_m, right_m)
