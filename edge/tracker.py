"""A small multi-object tracker so each pothole is reported once per pass.

Why not IoU alone: a pothole approaching a forward camera slides down the frame and grows, and at 5-10 fps
consecutive boxes of a small, distant pothole often do not overlap at all. Each track therefore predicts its
next centre with a constant pixel velocity, and detections are matched greedily by the distance to that
prediction, normalised by the box size, with IoU as the tie-breaker. Pure: boxes in, tracks out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["DetectionLike", "Observation", "Track", "Tracker"]


class DetectionLike(Protocol):
    """Anything with a box and a confidence (detector.Detection, a replayed box)."""

    @property
    def xyxy_px(self) -> tuple[float, float, float, float]: ...

    @property
    def confidence(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Observation:
    """One detection of a track in one frame; `frame_ref` is the caller's handle to that frame."""

    frame_index: int
    captured_utc_s: float
    xyxy_px: tuple[float, float, float, float]
    confidence: float
    frame_ref: object = None


@dataclass(slots=True)
class Track:
    track_id: int
    observations: list[Observation] = field(default_factory=list)
    misses: int = 0

    @property
    def last(self) -> Observation:
        return self.observations[-1]

    def predicted_centre_px(self, frame_index: int) -> tuple[float, float]:
        cx, cy = _centre(self.last.xyxy_px)
        if len(self.observations) < 2:
            return cx, cy
        prev = self.observations[-2]
        steps = max(1, self.last.frame_index - prev.frame_index)
        px, py = _centre(prev.xyxy_px)
        ahead = frame_index - self.last.frame_index
        return cx + (cx - px) / steps * ahead, cy + (cy - py) / steps * ahead


def _centre(box: tuple[float, float, float, float]) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def _diag(box: tuple[float, float, float, float]) -> float:
    return math.hypot(box[2] - box[0], box[3] - box[1])


def iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


class Tracker:
    """Greedy predicted-centre matcher.

    gate_px = gate_scale * (box diagonal) + gate_min_px; a track not seen for `max_misses` frames ends.
    `update` returns the tracks that ended on this frame; `flush` ends the rest (end of the source).
    """

    def __init__(
        self,
        *,
        gate_scale: float = 1.5,
        gate_min_px: float = 40.0,
        max_misses: int = 4,
        first_gate_scale: float = 2.0,
    ) -> None:
        self.gate_scale = gate_scale
        self.gate_min_px = gate_min_px
        self.first_gate_scale = first_gate_scale
        self.max_misses = max_misses
        self._active: list[Track] = []
        self._next_id = 1

    @property
    def active(self) -> tuple[Track, ...]:
        return tuple(self._active)

    def update(
        self,
        frame_index: int,
        captured_utc_s: float,
        detections: Sequence[DetectionLike],
        frame_ref: object = None,
    ) -> list[Track]:
        candidates: list[tuple[float, float, int, int]] = []  # (cost, -iou, track pos, det pos)
        for t_pos, track in enumerate(self._active):
            px, py = track.predicted_centre_px(frame_index)
            scale = self.gate_scale if len(track.observations) >= 2 else self.first_gate_scale
            for d_pos, det in enumerate(detections):
                box = tuple(float(v) for v in det.xyxy_px)
                cx, cy = _centre(box)  # type: ignore[arg-type]
                size = max(_diag(box), _diag(track.last.xyxy_px))  # type: ignore[arg-type]
                gate = scale * size + self.gate_min_px
                dist = math.hypot(cx - px, cy - py)
                if dist <= gate:
                    overlap = iou(box, track.last.xyxy_px)  # type: ignore[arg-type]
                    candidates.append((dist / gate, -overlap, t_pos, d_pos))
        candidates.sort()
        used_tracks: set[int] = set()
        used_dets: set[int] = set()
        for _, _, t_pos, d_pos in candidates:
            if t_pos in used_tracks or d_pos in used_dets:
                continue
            used_tracks.add(t_pos)
            used_dets.add(d_pos)
            self._active[t_pos].observations.append(
                self._observe(frame_index, captured_utc_s, detections[d_pos], frame_ref)
            )
            self._active[t_pos].misses = 0
        ended: list[Track] = []
        keep: list[Track] = []
        for t_pos, track in enumerate(self._active):
            if t_pos not in used_tracks:
                track.misses += 1
            (ended if track.misses > self.max_misses else keep).append(track)
        for d_pos, det in enumerate(detections):
            if d_pos not in used_dets:
                keep.append(
                    Track(self._next_id, [self._observe(frame_index, captured_utc_s, det, frame_ref)])
                )
                self._next_id += 1
        self._active = keep
        return ended

    def flush(self) -> list[Track]:
        ended, self._active = self._active, []
        return ended

    @staticmethod
    def _observe(
        frame_index: int, captured_utc_s: float, det: DetectionLike, frame_ref: object
    ) -> Observation:
        x1, y1, x2, y2 = (float(v) for v in det.xyxy_px)
        return Observation(frame_index, captured_utc_s, (x1, y1, x2, y2), float(det.confidence), frame_ref)
