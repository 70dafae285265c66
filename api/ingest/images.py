"""Pothole crops cut from a frame the server analysed.

Checking and decoding what a vehicle uploads is `api.images`, for every route that takes an image.
"""

from __future__ import annotations

import cv2
import numpy as np

from api.errors import InvalidInputError


def crop_jpeg(
    image: np.ndarray,
    box_xyxy_px: tuple[float, float, float, float],
    *,
    pad_frac: float = 0.15,
    max_side_px: int = 640,
    quality: int = 85,
) -> bytes:
    """Only the pothole (and a margin) is kept: faces and plates elsewhere in the frame are not stored."""
    h, w = image.shape[:2]
    x1, y1, x2, y2 = box_xyxy_px
    pad_x, pad_y = (x2 - x1) * pad_frac, (y2 - y1) * pad_frac
    left, top = max(0, int(x1 - pad_x)), max(0, int(y1 - pad_y))
    right, bottom = min(w, int(np.ceil(x2 + pad_x))), min(h, int(np.ceil(y2 + pad_y)))
    crop = image[top : max(bottom, top + 1), left : max(right, left + 1)]
    scale = max_side_px / max(crop.shape[:2])
    if scale < 1:
        crop = cv2.resize(crop, (max(1, int(crop.shape[1] * scale)), max(1, int(crop.shape[0] * scale))))
    ok, buf = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise InvalidInputError("image: could not encode the pothole crop")
    return buf.tobytes()
