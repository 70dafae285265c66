"""Forward projection: where the camera sees a road point, the exact inverse of api.geo's ground model.

The backend turns a box's bottom centre into a ground point with `api.geo.geolocate.ground_offset_m`;
here a ground point in the vehicle frame is projected to a pixel with the same pinhole-and-pitch model,
so a simulated box is geometrically consistent with what the API will compute from it.
"""

from __future__ import annotations

import math

from api.geo.camera import CameraProfile

__all__ = ["pothole_box_px", "project_ground_px"]


def project_ground_px(forward_m: float, right_m: float, camera: CameraProfile) -> tuple[float, float] | None:
    """Pixel (u, v) of the road point `forward_m` ahead and `right_m` right of the camera; None if behind."""
    pitch = math.radians(camera.pitch_down_deg)
    z = forward_m * math.cos(pitch) + camera.height_m * math.sin(pitch)  # along the optical axis
    y = -forward_m * math.sin(pitch) + camera.height_m * math.cos(pitch)  # image-down axis
    if z <= 0.1:
        return None
    return camera.cx_px + camera.fx_px * right_m / z, camera.cy_px + camera.fy_px * y / z


def pothole_box_px(
    forward_m: float, right_m: float, width_m: float, length_m: float, camera: CameraProfile
) -> tuple[float, float, float, float] | None:
    """Box around a pothole centred `forward_m` ahead: near edge at the bottom, far edge at the top.

    Returns None when any corner is behind the camera or the box is not fully inside the frame
    (a cut-off box would put the bottom edge, and so the range, in the wrong place).
    """
    corners = [
        project_ground_px(forward_m + df, right_m + dr, camera)
        for df in (-length_m / 2, length_m / 2)
        for dr in (-width_m / 2, width_m / 2)
    ]
    if any(c is None for c in corners):
        return None
    us = [c[0] for c in corners if c is not None]
    vs = [c[1] for c in corners if c is not None]
    box = (min(us), min(vs), max(us), max(vs))  # the near corners set the bottom edge and the width
    width_px, height_px = camera.image_wh
    if box[0] < 0 or box[1] < 0 or box[2] > width_px or box[3] > height_px:
        return None
    return box
