"""Region of interest and overlapping tiles for small, distant potholes, merged back across seams.

A 1080p frame squeezed into 640 px loses a distant pothole's few pixels; running square tiles at native
resolution keeps them. Every window's boxes are shifted to frame pixels, then merged in two steps:
class-aware NMS (the same rule as inside one image) and an intersection-over-smaller-box merge between
boxes from *different* windows, so a pothole cut by a seam (two partial boxes) or seen by both a tile and
the full-ROI pass becomes one box: the union of the parts, with the best confidence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from detector.postprocess import Decoded, class_aware_keep
from detector.types import InferenceSettings

__all__ = [
    "IOS_MERGE",
    "SIZE_SLACK",
    "Window",
    "merge_windows",
    "plan_windows",
    "roi_window_px",
    "tile_starts",
]

SIZE_SLACK = 0.1
IOS_MERGE = 0.6  # intersection / smaller-box area above which boxes from different windows are one pothole


@dataclass(frozen=True, slots=True)
class Window:
    """A crop of the frame in pixels (x1, y1 exclusive); `kind` is "tile" or "full" (the whole ROI)."""

    x0_px: int
    y0_px: int
    x1_px: int
    y1_px: int
    kind: str = "tile"


def roi_window_px(
    frame_hw: tuple[int, int], roi_xyxy_frac: tuple[float, float, float, float] | None
) -> Window:
    """The ROI in whole pixels (at least 1 px each way); the full frame when there is no ROI."""
    h, w = frame_hw
    if roi_xyxy_frac is None:
        return Window(0, 0, w, h, "full")
    fx1, fy1, fx2, fy2 = roi_xyxy_frac
    x0, y0 = min(int(math.floor(fx1 * w)), w - 1), min(int(math.floor(fy1 * h)), h - 1)
    x1, y1 = max(int(math.ceil(fx2 * w)), x0 + 1), max(int(math.ceil(fy2 * h)), y0 + 1)
    return Window(x0, y0, min(x1, w), min(y1, h), "full")


def tile_starts(length_px: int, tile_px: int, overlap_frac: float) -> list[int]:
    """Evenly spread tile origins covering [0, length) with at least `overlap_frac` overlap."""
    if length_px <= tile_px:
        return [0]
    step = max(tile_px * (1.0 - overlap_frac), 1.0)
    count = math.ceil((length_px - tile_px) / step) + 1
    return [round(i * (length_px - tile_px) / (count - 1)) for i in range(count)]


def plan_windows(frame_hw: tuple[int, int], settings: InferenceSettings) -> list[Window]:
    """Windows for one frame: tiles over the ROI (+ the ROI itself if `full_frame_pass`), or the ROI."""
    roi = roi_window_px(frame_hw, settings.roi_xyxy_frac)
    if settings.tile_px is None:
        return [roi]
    roi_w, roi_h = roi.x1_px - roi.x0_px, roi.y1_px - roi.y0_px
    # A side at most SIZE_SLACK longer than a tile gets one stretched tile, not a second, nearly-equal one.
    tile_w = roi_w if roi_w <= settings.tile_px * (1 + SIZE_SLACK) else settings.tile_px
    tile_h = roi_h if roi_h <= settings.tile_px * (1 + SIZE_SLACK) else settings.tile_px
    if tile_w == roi_w and tile_h == roi_h:
        return [roi]  # one tile would be the ROI itself
    windows = [
        Window(roi.x0_px + x, roi.y0_px + y, roi.x0_px + x + tile_w, roi.y0_px + y + tile_h)
        for y in tile_starts(roi_h, tile_h, settings.tile_overlap_frac)
        for x in tile_starts(roi_w, tile_w, settings.tile_overlap_frac)
    ]
    return [*windows, roi] if settings.full_frame_pass else windows


def merge_windows(
    per_window: list[Decoded],
    windows: list[Window],
    *,
    iou: float,
    max_det: int,
    ios_threshold: float = IOS_MERGE,
) -> Decoded:
    """Per-window detections in frame pixels -> one set, best first.

    First boxes from different windows whose intersection covers >= `ios_threshold` of the smaller one are
    fused (union box, best confidence): seam-cut halves and tile-vs-full duplicates. IoU alone misses
    those, and plain NMS would keep one half and drop the other. Then class-aware NMS removes what is
    left of ordinary overlaps.
    """
    if len(per_window) != len(windows):
        raise ValueError(f"per_window has {len(per_window)} entries for {len(windows)} windows")
    sizes = [len(scores) for _, scores, _ in per_window]
    if sum(sizes) == 0:
        return np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64)
    xyxy = np.concatenate([d[0] for d in per_window]).astype(np.float32, copy=False)
    scores = np.concatenate([d[1] for d in per_window]).astype(np.float32, copy=False)
    class_ids = np.concatenate([d[2] for d in per_window]).astype(np.int64, copy=False)
    origin = np.repeat(np.arange(len(per_window)), sizes)
    fused_xyxy, fused_scores, fused_ids = _fuse(
        xyxy, scores, class_ids, _ios_groups(xyxy, class_ids, origin, ios_threshold)
    )
    keep = class_aware_keep(fused_xyxy, fused_scores, fused_ids, iou, max_det)
    return fused_xyxy[keep], fused_scores[keep], fused_ids[keep]


def _ios_groups(
    xyxy: np.ndarray, class_ids: np.ndarray, origin: np.ndarray, threshold: float, block: int = 256
) -> np.ndarray:
    """Union-find label per box: same class, different window, intersection/smaller area >= threshold.

    Computed in row blocks so thousands of low-confidence boxes (evaluation runs) stay within memory.
    """
    n = len(xyxy)
    parent = np.arange(n)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    x1, y1, x2, y2 = (xyxy[:, k].astype(np.float64) for k in range(4))
    area = (x2 - x1) * (y2 - y1)
    for start in range(0, n, block):
        rows = slice(start, min(start + block, n))
        iw = np.clip(np.minimum(x2[rows, None], x2[None]) - np.maximum(x1[rows, None], x1[None]), 0, None)
        ih = np.clip(np.minimum(y2[rows, None], y2[None]) - np.maximum(y1[rows, None], y1[None]), 0, None)
        smaller = np.minimum(area[rows, None], area[None])
        with np.errstate(divide="ignore", invalid="ignore"):
            ios = np.where(smaller > 0, iw * ih / smaller, 0.0)
        linked = (
            (ios >= threshold)
            & (class_ids[rows, None] == class_ids[None])
            & (origin[rows, None] != origin[None])
        )
        for i, j in zip(*np.nonzero(linked), strict=True):
            root_i, root_j = find(int(i) + start), find(int(j))
            if root_i != root_j:
                parent[max(root_i, root_j)] = min(root_i, root_j)
    return np.array([find(i) for i in range(n)], dtype=np.int64)


def _fuse(xyxy: np.ndarray, scores: np.ndarray, class_ids: np.ndarray, groups: np.ndarray) -> Decoded:
    """One box per group: the union of its boxes, the best confidence and that box's class."""
    roots = np.unique(groups)
    boxes = np.empty((len(roots), 4), np.float32)
    best_scores = np.empty(len(roots), np.float32)
    best_ids = np.empty(len(roots), np.int64)
    for k, root in enumerate(roots):
        members = np.flatnonzero(groups == root)
        boxes[k] = (*xyxy[members, :2].min(axis=0), *xyxy[members, 2:].max(axis=0))
        top = members[np.argmax(scores[members])]
        best_scores[k], best_ids[k] = scores[top], class_ids[top]
    return boxes, best_scores, best_ids
