"""The detector's one error tree: every failure names the input it is about."""

from __future__ import annotations

__all__ = [
    "DetectorError",
    "FrameDecodeError",
    "ModelLoadError",
    "SourceNotFoundError",
    "WeightsNotFoundError",
]


class DetectorError(Exception):
    """Base of every error the detector raises on purpose."""


class ModelLoadError(DetectorError):
    """The file is missing, is not ONNX, or is not an ultralytics YOLO detection export."""


class WeightsNotFoundError(ModelLoadError):
    """No explicit weights, no POTHOLE_WEIGHTS and no weights/current.json to fall back on."""


class FrameDecodeError(DetectorError):
    """An image or video could not be decoded (it is skipped and counted, never fatal in a batch)."""


class SourceNotFoundError(DetectorError):
    """A path, folder or glob given as a source matches nothing."""
