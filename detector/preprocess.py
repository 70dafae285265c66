"""Letterboxing exactly as ultralytics' LetterBox does, into preallocated buffers.

Parity with the framework depends on the same rounding: the resized size is `round(side * r)` (at least 1),
padding is split `round(d/2 - 0.1)` before and `round(d/2 + 0.1)` after, fill value 114, INTER_LINEAR
(or a pixel pick where that gives the very same pixels, see `resize_interpolation`).
For fixed-shape models the canvas is the model's input (auto=False). For dynamic-shape models it is the
stride-aligned minimal rectangle (auto=True, ultralytics' rect inference), e.g. 384x640 for a 1080p frame
at imgsz 640, which is ~1.6x cheaper than the 640x640 square.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

__all__ = [
    "PAD_VALUE",
    "Letterbox",
    "letterbox",
    "letterbox_geometry",
    "paint_letterbox",
    "resize_interpolation",
    "to_tensor",
]

PAD_VALUE = 114
_UNIT_SCALE = np.arange(256, dtype=np.float32) / np.float32(255)  # uint8 value -> float32 v / 255


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
        dw, dh = dw % stride, dh % stride  # ints: Python's floor modulo, as np.mod
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

    `out` (canvas-sized HxWx3 uint8) is reused when given, see `paint_letterbox`.
    """
    geometry = letterbox_geometry(image_bgr.shape[:2], target_hw, stride=stride, auto=auto)
    return paint_letterbox(image_bgr, geometry, out=out), geometry


def paint_letterbox(
    image_bgr: np.ndarray, geometry: Letterbox, *, out: np.ndarray | None = None
) -> np.ndarray:
    """Draw `image_bgr` onto its canvas by a geometry already planned (the detector plans a batch first).

    `out` (canvas-sized HxWx3 uint8) is reused when given: the resize writes straight into it when the
    padding is only above/below (landscape frames), so a 1080p frame costs one resize and no copy.
    """
    if image_bgr.shape[:2] != geometry.orig_hw:
        raise ValueError(f"image is {image_bgr.shape[:2]}, the geometry was planned for {geometry.orig_hw}")
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
        return out
    interpolation = resize_interpolation(geometry.orig_hw, (rh, rw))
    if left == 0 and rw == cw:
        # Rows of a full-width slice are contiguous: OpenCV resizes straight into the canvas.
        cv2.resize(image_bgr, (rw, rh), dst=target, interpolation=interpolation)
    else:
        target[...] = cv2.resize(image_bgr, (rw, rh), interpolation=interpolation)
    return out


def _fill_padding(canvas: np.ndarray, geometry: Letterbox) -> None:
    """Re-grey only the padding strips of a reused canvas (the image area is overwritten anyway)."""
    rh, rw = geometry.resized_hw
    top, left = geometry.pad_top_px, geometry.pad_left_px
    ch, cw = geometry.canvas_hw
    if top:
        canvas[:top] = PAD_VALUE
    if top + rh < ch:
        canvas[top + rh :] = PAD_VALUE
    if left:
        canvas[top : top + rh, :left] = PAD_VALUE
    if left + rw < cw:
        canvas[top : top + rh, left + rw :] = PAD_VALUE


def resize_interpolation(src_hw: tuple[int, int], dst_hw: tuple[int, int]) -> int:
    """INTER_LINEAR, or INTER_NEAREST_EXACT where that yields bit-identical pixels with far less work.

    When each side shrinks by an exact odd integer factor k (1 included), every bilinear sample lands on a
    source pixel centre: (d + 0.5) * k - 0.5 = k*d + (k - 1)/2 is a whole number, the weights are 1 and 0,
    and the linear resize is a pick of every k-th pixel, the same one INTER_NEAREST_EXACT takes
    (floor((d + 0.5) * k) = k*d + (k - 1)/2). The pick reads a third of a 1080p frame's rows instead of
    two thirds and skips the fixed-point arithmetic: 1920x1080 -> 640x360 (imgsz 640) is k = 3, the most
    common dashcam case. Even factors (2, 4, 6) average two pixels and keep INTER_LINEAR.
    """
    if all(src % dst == 0 and (src // dst) % 2 == 1 for src, dst in zip(src_hw, dst_hw, strict=True)):
        return cv2.INTER_NEAREST_EXACT
    return cv2.INTER_LINEAR


def to_tensor(
    canvas_bgr: np.ndarray, out: np.ndarray | None = None, *, planes: np.ndarray | None = None
) -> np.ndarray:
    """HxWx3 uint8 BGR -> 3xHxW float32 RGB in [0, 1]: OpenCV splits the planes, a 256-entry table scales.

    The table holds `v / 255` in float32 (a division, not a multiplication by 1/255), so the floats are
    bit-identical to ultralytics' `div_(255)`. The split writes R, G, B one under the other into one
    (3H, W) uint8 scratch (`planes`, reused when given), so a single table lookup fills the whole tensor;
    one call over 3HW pixels is large enough for OpenCV to spread over its threads, three plane-sized calls
    are not. On a 1080p frame at 384x640 this takes 0.31 ms after a model run, against 0.53 ms for three
    lookups and about 0.7 ms for numpy's strided divide over the reversed, transposed view.
    `out` must be a C-contiguous (3, H, W) float32 array (a tensor's batch slot is).
    """
    h, w = canvas_bgr.shape[:2]
    if out is None:
        out = np.empty((3, h, w), dtype=np.float32)
    elif out.shape != (3, h, w) or out.dtype != np.float32 or not out.flags.c_contiguous:
        raise ValueError(
            f"out must be a C-contiguous (3, {h}, {w}) float32 array, got {out.dtype} {out.shape}"
        )
    if planes is None:
        planes = np.empty((3 * h, w), dtype=np.uint8)
    elif planes.shape != (3 * h, w) or planes.dtype != np.uint8 or not planes.flags.c_contiguous:
        raise ValueError(
            f"planes must be a C-contiguous ({3 * h}, {w}) uint8 array, got {planes.dtype} {planes.shape}"
        )
    # cv2.split yields B, G, R: point each at its RGB row block of the scratch.
    cv2.split(canvas_bgr, [planes[2 * h :], planes[h : 2 * h], planes[:h]])
    cv2.LUT(planes, _UNIT_SCALE, dst=out.reshape(3 * h, w))
    return out
