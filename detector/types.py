"""The detector's public values: Detection, InferenceSettings and ModelInfo (frozen, self-validating)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

__all__ = ["Detection", "InferenceSettings", "ModelInfo"]


@dataclass(frozen=True, slots=True)
class Detection:
    """One box in original-frame pixels; every later stage (edge, API, training checks) speaks this."""

    xyxy_px: tuple[float, float, float, float]
    confidence: float
    class_id: int = 0
    class_name: str = "pothole"

    def __post_init__(self) -> None:
        x1, y1, x2, y2 = self.xyxy_px
        finite = all(math.isfinite(v) for v in self.xyxy_px)
        # Boxes clipped at the frame border may be zero-width, as in ultralytics; inverted ones are a bug.
        if not (finite and x2 >= x1 and y2 >= y1):
            raise ValueError(f"invalid detection: xyxy_px={self.xyxy_px} must be finite with x2>=x1, y2>=y1")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"invalid detection: confidence={self.confidence} is outside [0, 1]")
        if self.class_id < 0:
            raise ValueError(f"invalid detection: class_id={self.class_id} is negative")

    @property
    def width_px(self) -> float:
        return self.xyxy_px[2] - self.xyxy_px[0]

    @property
    def height_px(self) -> float:
        return self.xyxy_px[3] - self.xyxy_px[1]

    def to_json(self) -> dict[str, Any]:
        """The JSON shape of `pothole detect` and the ingest API (`box_xyxy_px`, `confidence`)."""
        return {
            "box_xyxy_px": [round(v, 2) for v in self.xyxy_px],
            "confidence": round(self.confidence, 5),
            "class_id": self.class_id,
            "class_name": self.class_name,
        }


@dataclass(frozen=True, slots=True)
class InferenceSettings:
    """How a model is run; they travel with the model (ONNX metadata `pothole_settings`).

    `roi_xyxy_frac` is the region of interest as fractions of the frame width/height (x1, y1, x2, y2),
    e.g. (0, 0.3, 1, 1) drops the sky. `tile_px` (square tiles in frame pixels) turns on tiled inference
    with `tile_overlap_frac` overlap; `full_frame_pass` then also runs the whole ROI once, for big potholes.
    Tiles only pay off at the scale the model was trained on: frames whose long side is below
    `tile_min_long_side_px` are run whole (a 720 px photo), and frames whose long side exceeds
    `tile_frame_long_side_px` are first shrunk to it (a 1080p frame to the 1024 px survey scale), which
    also bounds the number of tiles per frame.
    """

    conf: float = 0.25
    iou: float = 0.45
    roi_xyxy_frac: tuple[float, float, float, float] | None = None
    tile_px: int | None = None
    tile_overlap_frac: float = 0.2
    full_frame_pass: bool = True
    max_det: int = 300
    tile_min_long_side_px: int | None = None
    tile_frame_long_side_px: int | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.conf <= 1.0:
            raise ValueError(f"conf={self.conf} is outside [0, 1]")
        if not 0.0 <= self.iou <= 1.0:
            raise ValueError(f"iou={self.iou} is outside [0, 1]")
        if self.roi_xyxy_frac is not None:
            roi = tuple(float(v) for v in self.roi_xyxy_frac)
            if len(roi) != 4 or not all(0.0 <= v <= 1.0 for v in roi) or roi[2] <= roi[0] or roi[3] <= roi[1]:
                raise ValueError(
                    f"roi_xyxy_frac={self.roi_xyxy_frac} must be 4 fractions in [0, 1] with x2>x1 and y2>y1"
                )
            object.__setattr__(self, "roi_xyxy_frac", roi)
        if self.tile_px is not None and self.tile_px < 32:
            raise ValueError(f"tile_px={self.tile_px} must be at least 32 pixels")
        if not 0.0 <= self.tile_overlap_frac < 1.0:
            raise ValueError(f"tile_overlap_frac={self.tile_overlap_frac} is outside [0, 1)")
        for name in ("tile_min_long_side_px", "tile_frame_long_side_px"):
            value = getattr(self, name)
            if value is not None and value < 32:
                raise ValueError(f"{name}={value} must be at least 32 pixels")
        if self.max_det < 1:
            raise ValueError(f"max_det={self.max_det} must be at least 1")

    def with_overrides(self, **overrides: Any) -> InferenceSettings:
        """A copy where every override that is not None replaces the stored value."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> InferenceSettings:
        """Build from metadata JSON; unknown keys are ignored so newer exporters stay loadable."""
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in values.items() if k in known}
        if kwargs.get("roi_xyxy_frac") is not None:
            kwargs["roi_xyxy_frac"] = tuple(kwargs["roi_xyxy_frac"])
        return cls(**kwargs)


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What the detector knows about the loaded model, read from its ONNX metadata and graph."""

    model_id: str
    class_names: tuple[str, ...]
    input_hw: tuple[int, int]
    stride: int
    dynamic: bool
    settings: InferenceSettings
    batch: int | None = None  # fixed batch size of the graph, None when the batch axis is dynamic
    providers: tuple[str, ...] = ("CPUExecutionProvider",)

    def __post_init__(self) -> None:
        if not self.class_names:
            raise ValueError("class_names is empty: a detection model needs at least one class")
        if min(self.input_hw) <= 0 or self.stride <= 0:
            raise ValueError(f"input_hw={self.input_hw} and stride={self.stride} must be positive")
