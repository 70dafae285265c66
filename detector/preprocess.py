"""Letterboxing exactly as ultralytics' LetterBox does, into preallocated buffers.

Parity with the framework depends on the same rounding: the resized size is `round(side * r)` (at least 1),
padding is split `round(d/2 - 0.1)` before and `round(d/2 + 0.1)` after, fill value 114, INTER_LINEAR.
For fixed-shape models the canvas is the model's input (auto=False). For dynamic-shape models it is the
stride-aligned minimal rectangle (auto=True, ultralytics' rect inference), e.g. 384x640 for a 1080p frame
at imgsz 640, which is ~1.6x cheaper than the 640x640 square.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

__all__ = ["PAD_VALUE", "Letterbox", "letterbox", "letterbox_geometry", "to_tensor"]

PAD_VALUE = 114


@dataclass(frozen=True, slots=True)
class Letterbox:
    """Geometry of one letterbox: frame (h, w) -> canvas (h, w), all in pixels."""

    orig_hw: tuple[int, int]
    canvas_hw: tuple[int, int]
    resized_hw: tuple[int, int]
    pad_top_px: int
    pad_left_px: int

    @property
    def gain_x(self) -> float:
        """Horizontal scale canvas/frame, from the rounded size (as ultralytics' scale_boxes uses)."""
        return self.resized_hw[1] / self.orig_hw[1]

    @property
    def gain_y(self) -> float:
        return self.resized_hw[0] / self.orig_hw[0]

    def to_canvas(self, xyxy_px: np.ndarray) -> np.ndarray:
        """Frame pixels -> canvas pixels, (K, 4) xyxy."""
        gains = np.array([self.gain_x, self.gain_y, self.gain_x, self.gain_y], dtype=np.float64)
        pads = np.array([self.pad_left_px, self.pad_top_px] * 2, dtype=np.float64)
        return np.asarray(xyxy_px, dtype=np.float64) * gains + pads


def letterbox_geometry(
    orig_hw: tuple[int, int], target_hw: tuple[int, int], *, stride: int = 32, auto: bool = False
) -> Letterbox:
    """The letterbox of a frame of `orig_hw` into `target_hw` (auto: shrink to a stride-aligned rectangle)."""
    h0, w0 = orig_hw
    if h0 <= 0 or w0 <= 0:
        raise ValueError(f"orig_hw={orig_hw} must be positive")
    r = min(target_hw[0] / h0, target_hw[1] / w0)
    new_w, new_h = max(round(w0 * r), 1), max(round(h0 * r), 1)
    dw, dh = target_hw[1] - new_w, target_hw[0] - new_h
    if auto:
        dw, dh = int(np.mod(dw, stride)), int(np.mod(dh, stride))
    top, bottom = round(dh / 2 - 0.1), round(dh / 2 + 0.1)
    left, right = round(dw / 2 - 0.1), round(dw / 2 + 0.1)
    return Letterbox(
        orig_hw=(h0, w0),
        canvas_hw=(new_h + top + bottom, new_w + left + right),
        resized_hw=(new_h, new_w),
        pad_top_px=top,
        pad_left_px=left,
    )


def letterbox(
    image_bgr: np.ndarray,
    target_hw: tuple[int, int],
    *,
    stride: int = 32,
    auto: bool = False,
    out: np.ndarray | None = None,
) -> tuple[np.ndarray, Letterbox]:
    """Resize + pad `image_bgr` (HxWx3 uint8) onto a 114-grey canvas; returns (canvas, geometry).

    `out` (canvas-sized HxWx3 uint8) is reused when given: the resize writes straight into it when the
    padding is only above/below (landscape frames), so a 1080p frame costs one resize and no copy.
    """
    geometry = letterbox_geometry(image_bgr.shape[:2], target_hw, stride=stride, auto=auto)
    ch, cw = geometry.canvas_hw
    if out is None or out.shape != (ch, cw, 3):
        out = np.full((ch, cw, 3), PAD_VALUE, dtype=np.uint8)
    else:
        _fill_padding(out, geometry)
    rh, rw = geometry.resized_hw
    top, left = geometry.pad_top_px, geometry.pad_left_px
    target = out[top : top + rh, left : left + rw]
    if image_bgr.shape[:2] == (rh, rw):
        target[...] = image_bgr
    elif left == 0 and rw == cw:
        # Rows of a full-width slice are contiguous: OpenCV resizes straight into the canvas.
        cv2.resize(image_bgr, (rw, rh), dst=target, interpolation=cv2.INTER_LINEAR)
    else:
        target[...] = cv2.resize(image_bgr, (rw, rh), interpolation=cv2.INTER_LINEAR)
    return out, geometry


def _fill_padding(canvas: np.ndarray, geometry: Letterbox) -> None:
    """Re-grey only the padding strips of a reused canvas (the image area is overwritten anyway)."""
    rh, rw = geometry.resized_hw
    top, left = geometry.pad_top_px, geometry.pad_left_px
    canvas[:top] = PAD_VALUE
    canvas[top + rh :] = PAD_VALUE
    canvas[top : top + rh, :left] = PAD_VALUE
    canvas[top : top + rh, left + rw :] = PAD_VALUE


def to_tensor(canvas_bgr: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """HxWx3 uint8 BGR -> 3xHxW float32 RGB in [0, 1], one pass.

    Divides by 255 (not multiplies by 1/255) so the floats are bit-identical to ultralytics' `div_(255)`.
    """
    h, w = canvas_bgr.shape[:2]
    if out is None:
        out = np.empty((3, h, w), dtype=np.float32)
    np.divide(canvas_bgr[..., ::-1].transpose(2, 0, 1), np.float32(255), out=out)
    return out
