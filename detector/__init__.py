"""Frames in, pothole boxes out: an ultralytics YOLO ONNX export run on ONNX Runtime (numpy/OpenCV only)."""

from detector.draw import draw_detections
from detector.errors import (
    DetectorError,
    FrameDecodeError,
    ModelLoadError,
    SourceNotFoundError,
    WeightsNotFoundError,
)
from detector.frames import Frame, SkippedSource, iter_frames
from detector.onnx_runtime import OnnxDetector
from detector.types import Detection, InferenceSettings, ModelInfo
from detector.weights import current_weights_path

__all__ = [
    "Detection",
    "DetectorError",
    "Frame",
    "FrameDecodeError",
    "InferenceSettings",
    "ModelInfo",
    "ModelLoadError",
    "OnnxDetector",
    "SkippedSource",
    "SourceNotFoundError",
    "WeightsNotFoundError",
    "current_weights_path",
    "draw_detections",
    "iter_frames",
]
