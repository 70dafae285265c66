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
    "MIN_SCORE_RATIO",
    "SIZE_SLACK",
    "Window",
    "merge_windows",
    "plan_windows",
    "roi_window_px",
    "tile_starts",
    "tiling_scale",
]

SIZE_SLACK = 0.1
MIN_SCORE_RATIO = 0.3  # a box below this share of a group head's confidence never joins it
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


def tiling_scale(frame_hw: tuple[int, int], settings: InferenceSettings) -> float:
    """Factor a frame is resized by before its windows are planned (1.0: native resolution)."""
    limit = settings.tile_frame_long_side_px
    if settings.tile_px is None or limit is None or max(frame_hw) <= limit:
        return 1.0
    return limit / max(frame_hw)


def plan_windows(frame_hw: tuple[int, int], settings: InferenceSettings) -> list[Window]:
    """Windows for one frame: tiles over the ROI (+ the ROI itself if `full_frame_pass`), or the ROI."""
    roi = roi_window_px(frame_hw, settings.roi_xyxy_frac)
    if settings.tile_px is None:
        return [roi]
    if settings.tile_min_long_side_px is not None and max(frame_hw) < settings.tile_min_long_side_px:
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

    First, greedily by confidence, each box absorbs at most one box from every *other* window whose
    intersection covers >= `ios_threshold` of the smaller of the two (union box, best confidence):
    seam-cut halves and tile-vs-full duplicates. IoU alone misses those, and plain NMS would keep one half
    and drop the other. Matching against the head box only (never the growing union) and one box per
    window keeps weak boxes from chaining into frame-sized ones, or a big box swallowing two potholes.
    Then class-aware NMS removes what is left of ordinary overlaps.
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
        xyxy, scores, class_ids, _greedy_groups(xyxy, scores, class_ids, origin, ios_threshold)
    )
    keep = class_aware_keep(fused_xyxy, fused_scores, fused_ids, iou, max_det)
    return fused_xyxy[keep], fused_scores[keep], fused_ids[keep]


def _greedy_groups(
    xyxy: np.ndarray,
    scores: np.ndarray,
    class_ids: np.ndarray,
    origin: np.ndarray,
    threshold: float,
    min_score_ratio: float = MIN_SCORE_RATIO,
) -> np.ndarray:
    """Group label per box (the index of its head), heads taken in confidence order.

    A group grows from its head by absorbing, round after round, the best-covered box of each window it
    does not yet hold, measured against the group's current union. Only boxes at least `min_score_ratio`
    as confident as the head may join, so a weak, frame-sized box never swallows a confident pothole,
    and one box per window bounds how far any group can grow.
    """
    group = np.full(len(xyxy), -1, dtype=np.int64)
    area_of = (xyxy[:, 2] - xyxy[:, 0]).astype(np.float64) * (xyxy[:, 3] - xyxy[:, 1])
    for head in np.argsort(-scores, kind="stable"):
        if group[head] >= 0:
            continue
        group[head] = head
        union = xyxy[head].astype(np.float64)
        held = {int(origin[head])}
        eligible = (class_ids == class_ids[head]) & (scores >= min_score_ratio * scores[head])
        while True:
            free = np.flatnonzero(eligible & (group < 0) & ~np.isin(origin, list(held)))
            if free.size == 0:
                break
            iw = np.clip(np.minimum(union[2], xyxy[free, 2]) - np.maximum(union[0], xyxy[free, 0]), 0, None)
            ih = np.clip(np.minimum(union[3], xyxy[free, 3]) - np.maximum(union[1], xyxy[free, 1]), 0, None)
            smaller = np.minimum((union[2] - union[0]) * (union[3] - union[1]), area_of[free])
            with np.errstate(divide="ignore", invalid="ignore"):
                ios = np.where(smaller > 0, iw * ih / smaller, 0.0)
            hit = ios >= threshold
            if not hit.any():
                break
            matched, matched_ios = free[hit], ios[hit]
            order = np.lexsort((-matched_ios, origin[matched]))  # best match of each window first
            _, first = np.unique(origin[matched][order], return_index=True)
            chosen = matched[order][first]
            group[chosen] = head
            held.update(int(o) for o in origin[chosen])
            members = np.flatnonzero(group == head)
            union = np.array([*xyxy[members, :2].min(axis=0), *xyxy[members, 2:].max(axis=0)], np.float64)
    return group


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
