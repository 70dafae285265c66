"""Only the pothole leaves the vehicle: crop bounds, size caps, and a frame blurred outside the boxes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from edge.privacy import blurred_frame_jpeg, crop_box, crop_jpeg


def decode(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def checkerboard(h: int = 720, w: int = 1280, cell: int = 4) -> np.ndarray:
    """High-frequency detail, like the strokes of a number plate."""
    yy, xx = np.mgrid[0:h, 0:w]
    board = (((yy // cell) + (xx // cell)) % 2 * 255).astype(np.uint8)
    return cv2.merge([board, board, board])


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        ((100.0, 100.0, 200.0, 150.0), (75, 87, 225, 163)),
        ((0.0, 0.0, 10.0, 10.0), (0, 0, 37, 37)),
        ((1270.0, 710.0, 1280.0, 720.0), (1243, 683, 1280, 720)),
    ],
    ids=["inside", "corner-min-size", "clipped"],
)
def test_crop_box_adds_margin_and_stays_in_frame(
    box: tuple[float, float, float, float], expected: tuple[int, int, int, int]
) -> None:
    assert crop_box((1280, 720), box) == expected


def test_crop_is_capped_in_size() -> None:
    image = checkerboard()
    crop = decode(crop_jpeg(image, (0.0, 0.0, 1280.0, 720.0), max_side_px=512))
    assert max(crop.shape[:2]) == 512


def test_blurred_frame_keeps_the_box_and_destroys_the_rest() -> None:
    image = checkerboard(cell=2)
    box = (640.0, 400.0, 840.0, 500.0)
    out = decode(blurred_frame_jpeg(image, [box], max_width_px=1280, quality=95))
    inside = out[420:480, 660:820].astype(float)
    outside = out[50:150, 50:250].astype(float)
    assert inside.std() > 60.0  # the checkerboard survives inside the pothole box
    assert outside.std() < 5.0  # outside, the pattern is gone: nothing legible remains


def test_blurred_frame_is_downscaled() -> None:
    out = decode(blurred_frame_jpeg(checkerboard(), [], max_width_px=640))
    assert out.shape[:2] == (360, 640)
