"""From the raw YOLO head to frame-pixel boxes: decode, class-aware NMS, unletterbox, clip. Pure numpy.

Semantics follow ultralytics' `non_max_suppression` + `scale_boxes` on purpose (that is what parity with
the framework means): a candidate needs score > conf (strictly), at most MAX_NMS candidates by score go to
NMS, classes are separated by offsetting boxes by class_id * MAX_WH in float32, NMS is greedy in stable
descending score order and suppresses IoU > iou (torchvision's rule), and max_det truncates the result.
"""

from __future__ import annotations

import numpy as np

from detector.preprocess import Letterbox

__all__ = [
    "MAX_NMS",
    "MAX_WH",
    "Decoded",
    "class_aware_keep",
    "class_aware_nms",
    "decode_yolo",
    "nms",
    "postprocess",
    "unletterbox",
]

MAX_NMS = 30_000
MAX_WH = 7680

Decoded = tuple[np.ndarray, np.ndarray, np.ndarray]  # xyxy (K, 4) float32, scores (K,), class_ids (K,) int64


def decode_yolo(output: np.ndarray, conf: float) -> Decoded:
    """One image's head output (4+nc, N) centre-xywh + class scores -> candidates with score > conf.

    The score filter runs first, on the (nc, N) score block, so only survivors are transposed and converted.
    """
    if output.ndim != 2 or output.shape[0] < 5:
        raise ValueError(f"output shape {output.shape} is not (4+nc, N) with nc >= 1")
    class_scores = output[4:]
    best = class_scores[0] if class_scores.shape[0] == 1 else class_scores.max(axis=0)
    keep = np.flatnonzero(best > conf)
    if keep.size == 0:
        return np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64)
    scores = best[keep].astype(np.float32, copy=False)
    if class_scores.shape[0] == 1:
        class_ids = np.zeros(keep.size, dtype=np.int64)
    else:
        class_ids = class_scores[:, keep].argmax(axis=0).astype(np.int64)
    cx, cy, w, h = output[:4, keep].astype(np.float32, copy=False)
    half_w, half_h = w / 2, h / 2
    xyxy = np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], axis=1)
    return xyxy, scores, class_ids


def nms(xyxy: np.ndarray, scores: np.ndarray, iou: float, *, max_det: int | None = None) -> np.ndarray:
    """Greedy NMS, same decisions as `torchvision.ops.nms` (float32 IoU, suppress IoU > iou, stable order).

    Returns kept indices in descending score order; stops early once `max_det` are kept.
    """
    n = len(scores)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    boxes = np.asarray(xyxy, dtype=np.float32)
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    areas = (x2 - x1) * (y2 - y1)
    order = np.argsort(-np.asarray(scores, dtype=np.float32), kind="stable")
    limit = n if max_det is None else max_det
    keep: list[int] = []
    while order.size and len(keep) < limit:
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        if not rest.size:
            break
        w = np.maximum(np.float32(0), np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]))
        h = np.maximum(np.float32(0), np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]))
        inter = w * h
        overlap = inter / (areas[i] + areas[rest] - inter)
        # Compare in float64 like torchvision (float IoU vs double threshold); NaN (0/0) never suppresses.
        order = rest[~(overlap.astype(np.float64) > iou)]
    return np.asarray(keep, dtype=np.int64)


def class_aware_keep(
    xyxy: np.ndarray, scores: np.ndarray, class_ids: np.ndarray, iou: float, max_det: int
) -> np.ndarray:
    """Indices kept by NMS within each class (boxes offset by class_id * MAX_WH), best first.

    Only the MAX_NMS best candidates take part, as in ultralytics.
    """
    if len(scores) == 0:
        return np.zeros(0, dtype=np.int64)
    candidates = np.arange(len(scores))
    if len(scores) > MAX_NMS:
        candidates = np.argsort(-scores, kind="stable")[:MAX_NMS]
    boxes = np.asarray(xyxy, dtype=np.float32)[candidates]
    ids = class_ids[candidates]
    if ids.max(initial=0) > 0:
        boxes = boxes + (ids.astype(np.float32) * np.float32(MAX_WH))[:, None]
    kept: np.ndarray = candidates[nms(boxes, scores[candidates], iou, max_det=max_det)]
    return kept


def class_aware_nms(decoded: Decoded, iou: float, max_det: int) -> Decoded:
    """`class_aware_keep` applied to decoded candidates."""
    xyxy, scores, class_ids = decoded
    keep = class_aware_keep(xyxy, scores, class_ids, iou, max_det)
    return xyxy[keep], scores[keep], class_ids[keep]


def unletterbox(xyxy_canvas: np.ndarray, geometry: Letterbox) -> np.ndarray:
    """Canvas pixels -> frame pixels, clipped to the frame (float32, like ultralytics' scale_boxes).

    Whole-row float32 operations in place: the same per-element arithmetic as column-wise updates, a
    handful of numpy calls instead of a dozen (it runs on every frame, most of which have no boxes).
    """
    boxes = np.array(xyxy_canvas, dtype=np.float32, copy=True).reshape(-1, 4)
    if boxes.size == 0:
        return boxes
    h0, w0 = geometry.orig_hw
    boxes -= np.array([geometry.pad_left_px, geometry.pad_top_px] * 2, dtype=np.float32)
    boxes /= np.array([geometry.gain_x, geometry.gain_y] * 2, dtype=np.float32)
    np.clip(boxes, np.float32(0), np.array([w0, h0, w0, h0], dtype=np.float32), out=boxes)
    return boxes


def postprocess(output: np.ndarray, geometry: Letterbox, *, conf: float, iou: float, max_det: int) -> Decoded:
    """One image's head output -> (xyxy frame px, scores, class_ids) after NMS, best first."""
    decoded = decode_yolo(output, conf)
    if decoded[1].size == 0:
        return decoded  # most frames: nothing over the threshold, nothing to suppress or map back
    xyxy, scores, class_ids = class_aware_nms(decoded, iou, max_det)
    return unletterbox(xyxy, geometry), scores, class_ids
