"""What may leave the vehicle: the crop around a pothole, or a small frame blurred outside pothole boxes.

No face or plate model is available offline, so the safe design is the reverse of anonymisation: keep the
pixels the repair needs (the pothole and a margin) and destroy everything else. `blurred_frame` downscales
first (a plate 5 px tall is unreadable) and then blurs with a kernel as wide as 1/8 of the frame, pasting
back only the boxes. Pure functions on numpy images; JPEG bytes out.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import cv2
import numpy as np

__all__ = ["UploadPolicy", "blurred_frame_jpeg", "crop_box", "crop_jpeg", "encode_jpeg"]

Box = tuple[float, float, float, float]


class UploadPolicy(StrEnum):
    """`crop` (default): the box plus a margin. `blurred-frame`: a downscaled frame, blurred outside the
    boxes. `none`: metadata only, no pixels at all."""

    CROP = "crop"
    BLURRED_FRAME = "blurred-frame"
    NONE = "none"


def encode_jpeg(image: np.ndarray, quality: int = 85) -> bytes:
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError(f"image of shape {image.shape}: JPEG encoding failed")
    return buffer.tobytes()


def crop_box(
    frame_wh: tuple[int, int], box_xyxy_px: Box, *, margin_frac: float = 0.25, min_side_px: int = 64
) -> tuple[int, int, int, int]:
    """The integer crop window: the box grown by `margin_frac` of its size per side, at least min_side_px."""
    width, height = frame_wh
    x1, y1, x2, y2 = box_xyxy_px
    half_w = max((x2 - x1) * (0.5 + margin_frac), min_side_px / 2)
    half_h = max((y2 - y1) * (0.5 + margin_frac), min_side_px / 2)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    left, top = max(0, int(cx - half_w)), max(0, int(cy - half_h))
    right, bottom = min(width, int(np.ceil(cx + half_w))), min(height, int(np.ceil(cy + half_h)))
    if right <= left or bottom <= top:
        raise ValueError(f"box_xyxy_px={box_xyxy_px} lies outside the frame {frame_wh}")
    return left, top, right, bottom


def crop_jpeg(
    image: np.ndarray,
    box_xyxy_px: Box,
    *,
    margin_frac: float = 0.25,
    max_side_px: int = 512,
    quality: int = 85,
) -> bytes:
    """JPEG of the crop window, shrunk so its longer side is at most max_side_px (API cap: 512 KiB)."""
    height, width = image.shape[:2]
    left, top, right, bottom = crop_box((width, height), box_xyxy_px, margin_frac=margin_frac)
    crop = image[top:bottom, left:right]
    longest = max(crop.shape[:2])
    if longest > max_side_px:
        scale = max_side_px / longest
        crop = cv2.resize(
            crop,
            (max(1, int(crop.shape[1] * scale)), max(1, int(crop.shape[0] * scale))),
            interpolation=cv2.INTER_AREA,
        )
    return encode_jpeg(crop, quality)


def blurred_frame_jpeg(
    image: np.ndarray,
    boxes_xyxy_px: Sequence[Box],
    *,
    max_width_px: int = 640,
    margin_frac: float = 0.1,
    quality: int = 80,
) -> bytes:
    """Downscaled frame where only the (slightly grown) pothole boxes stay sharp."""
    height, width = image.shape[:2]
    scale = min(1.0, max_width_px / width)
    small = (
        cv2.resize(
            image, (max(1, int(width * scale)), max(1, int(height * scale))), interpolation=cv2.INTER_AREA
        )
        if scale < 1.0
        else image.copy()
    )
    kernel = max(3, (small.shape[1] // 8) | 1)
    out = cv2.GaussianBlur(small, (kernel, kernel), 0)
    out = cv2.GaussianBlur(out, (kernel, kernel), 0)  # twice: a single pass leaves plate edges legible
    for box in boxes_xyxy_px:
        scaled = tuple(v * scale for v in box)
        left, top, right, bottom = crop_box(
            (small.shape[1], small.shape[0]),
            scaled,
            margin_frac=margin_frac,
            min_side_px=8,
        )
        out[top:bottom, left:right] = small[top:bottom, left:right]
    return encode_jpeg(out, quality)
