"""A vehicle's camera profile: mounting, field of view, image size and optional lens distortion.

Defaults describe a wide (120 degree) car dashcam at 1.4 m looking 9 degrees down; buses mount
higher (2.5-3 m), so each vehicle should PUT its own profile.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DEFAULT_HEIGHT_M = 1.4
DEFAULT_PITCH_DOWN_DEG = 9.0
DEFAULT_HFOV_DEG = 120.0
DEFAULT_IMAGE_WH = (1920, 1080)


@dataclass(frozen=True, slots=True)
class CameraProfile:
    """Pinhole intrinsics derive from the horizontal field of view: fx = (w / 2) / tan(hfov / 2).

    `dist_coeffs` are OpenCV's (k1, k2, p1, p2[, k3[, k4, k5, k6]]); with them the box's pixels
    are undistorted before projection (a wide lens bends the edges by metres on the ground).
    """

    height_m: float = DEFAULT_HEIGHT_M
    pitch_down_deg: float = DEFAULT_PITCH_DOWN_DEG
    hfov_deg: float = DEFAULT_HFOV_DEG
    image_wh: tuple[int, int] = DEFAULT_IMAGE_WH
    dist_coeffs: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if not 0.2 <= self.height_m <= 10.0:
            raise ValueError(f"height_m={self.height_m} outside 0.2..10 m")
        if not -10.0 <= self.pitch_down_deg <= 60.0:
            raise ValueError(f"pitch_down_deg={self.pitch_down_deg} outside -10..60")
        if not 20.0 <= self.hfov_deg < 179.0:
            raise ValueError(f"hfov_deg={self.hfov_deg} outside 20..179")
        if len(self.image_wh) != 2 or min(self.image_wh) < 16:
            raise ValueError(f"image_wh={self.image_wh} must be two sizes >= 16 px")
        if self.dist_coeffs is not None and len(self.dist_coeffs) not in (4, 5, 8):
            raise ValueError(f"dist_coeffs has {len(self.dist_coeffs)} values; OpenCV takes 4, 5 or 8")

    @property
    def fx_px(self) -> float:
        return (self.image_wh[0] / 2.0) / math.tan(math.radians(self.hfov_deg) / 2.0)

    @property
    def fy_px(self) -> float:
        return self.fx_px  # square pixels

    @property
    def cx_px(self) -> float:
        return self.image_wh[0] / 2.0

    @property
    def cy_px(self) -> float:
        return self.image_wh[1] / 2.0

    def scaled_to(self, frame_wh: tuple[int, int]) -> CameraProfile:
        """The same camera at another resolution (a resized upload keeps its field of view)."""
        if tuple(frame_wh) == tuple(self.image_wh):
            return self
        return CameraProfile(
            self.height_m,
            self.pitch_down_deg,
            self.hfov_deg,
            (int(frame_wh[0]), int(frame_wh[1])),
            self.dist_coeffs,
        )

    def undistort_px(self, points_px: list[tuple[float, float]]) -> list[tuple[float, float]]:
        """Map distorted pixels to where an ideal pinhole camera would have imaged them."""
        if not self.dist_coeffs:
            return list(points_px)
        import cv2  # lazy: only profiles with distortion need OpenCV
        import numpy as np

        k = np.array([[self.fx_px, 0.0, self.cx_px], [0.0, self.fy_px, self.cy_px], [0.0, 0.0, 1.0]])
        src = np.array(points_px, dtype=np.float64).reshape(-1, 1, 2)
        out = cv2.undistortPoints(src, k, np.array(self.dist_coeffs, dtype=np.float64), P=k)
        return [(float(x), float(y)) for x, y in out.reshape(-1, 2)]


DEFAULT_CAMERA = CameraProfile()
