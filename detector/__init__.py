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
from detector.loading import Detector, load_detector
from detector.onnx_runtime import OnnxDetector
from detector.pair import PairedDetector
from detector.types import Detection, InferenceSettings, ModelInfo
from detector.weights import current_model, current_weights_path

__all__ = [
    "Detection",
    "Detector",
    "DetectorError",
    "Frame",
    "FrameDecodeError",
    "InferenceSettings",
    "ModelInfo",
    "ModelLoadError",
    "OnnxDetector",
    "PairedDetector",
    "SkippedSource",
    "SourceNotFoundError",
    "WeightsNotFoundError",
    "current_model",
    "current_weights_path",
    "draw_detections",
    "iter_frames",
    "load_detector",
]
