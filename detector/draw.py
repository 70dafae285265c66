"""Overlays: boxes and confidences drawn on a copy of the frame (Hershey fonts: nothing to download)."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from detector.types import Detection

__all__ = ["draw_detections"]

BOX_BGR = (0, 64, 255)
TEXT_BGR = (255, 255, 255)


def draw_detections(
    image_bgr: np.ndarray, detections: Sequence[Detection], *, show_labels: bool = True
) -> np.ndarray:
    """A copy of `image_bgr` with each detection's box and "name 0.87"; the input is never modified."""
    canvas = image_bgr.copy()
    height, width = canvas.shape[:2]
    thickness = max(1, round(min(height, width) / 400))
    font_scale = max(0.4, min(height, width) / 1400)
    for det in detections:
        x1, y1, x2, y2 = (int(round(v)) for v in det.xyxy_px)
        cv2.rectangle(canvas, (x1, y1), (x2, y2), BOX_BGR, thickness, cv2.LINE_AA)
        if not show_labels:
            continue
        label = f"{det.class_name} {det.confidence:.2f}"
        (text_w, text_h), baseline = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, font_scale, thickness)
        top = y1 - text_h - baseline - 2 if y1 - text_h - baseline - 2 >= 0 else y1
        cv2.rectangle(canvas, (x1, top), (x1 + text_w + 2, top + text_h + baseline + 2), BOX_BGR, -1)
        cv2.putText(
            canvas,
            label,
            (x1 + 1, top + text_h + 1),
            cv2.FONT_HERSHEY_SIMPLEX,
            font_scale,
            TEXT_BGR,
            thickness,
            cv2.LINE_AA,
        )
    return canvas
