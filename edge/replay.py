"""Replay detections from a JSON-lines side-car (what `pothole simulate` writes) instead of running a model.

One line per frame: {"frame": "000123.jpg", "frame_index": 123, "detections": [{"xyxy_px": [...],
"confidence": 0.8}]}. Lookup is by frame file name first, then by index, so `--every-n` still lines up.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from edge.errors import EdgeError
from edge.sources import FrameSample

__all__ = ["ReplayDetection", "ReplayDetector"]


@dataclass(frozen=True, slots=True)
class ReplayDetection:
    xyxy_px: tuple[float, float, float, float]
    confidence: float


class ReplayDetector:
    """Callable like a detector, but on a `FrameSample` (it needs the frame's name, not its pixels)."""

    model_id = "sim-replay"

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise EdgeError(f"--detections: {path} is not a file")
        self._by_name: dict[str, tuple[ReplayDetection, ...]] = {}
        self._by_index: dict[int, tuple[ReplayDetection, ...]] = {}
        with path.open() as handle:
            for line_no, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                    found = tuple(
                        ReplayDetection(
                            tuple(float(v) for v in d["xyxy_px"]),  # type: ignore[arg-type]
                            float(d["confidence"]),
                        )
                        for d in row.get("detections", [])
                    )
                except (ValueError, KeyError, TypeError) as exc:
                    raise EdgeError(f"--detections: {path}:{line_no}: {exc}") from exc
                if "frame" in row:
                    self._by_name[str(row["frame"])] = found
                if "frame_index" in row:
                    self._by_index[int(row["frame_index"])] = found

    def __call__(self, frame: FrameSample) -> tuple[ReplayDetection, ...]:
        if frame.name in self._by_name:
            return self._by_name[frame.name]
        return self._by_index.get(frame.index, ())
