"""Load what is in service: one ONNX model, or the tile + whole-frame pair that weights/current.json names.

Every consumer (the API, the vehicle agent, `pothole detect`) loads through here, so a promoted pair runs
the same everywhere; an explicit path always means that one ONNX file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from detector.onnx_runtime import OnnxDetector
from detector.pair import PairedDetector
from detector.weights import current_model

__all__ = ["Detector", "load_detector"]

Detector = OnnxDetector | PairedDetector


def load_detector(
    path: Path | str | None = None,
    *,
    int8: bool = False,
    threads: int | None = None,
    providers: str | Sequence[str] | None = None,
) -> Detector:
    """`path` -> that model; None -> the model in service (FP32, or its INT8 files with `int8`)."""
    if path is not None:
        return OnnxDetector.load(path, threads=threads, providers=providers)
    current = current_model(int8)
    primary = OnnxDetector.load(current.onnx, threads=threads, providers=providers)
    if current.companion is None:
        return primary
    whole = OnnxDetector.load(current.companion, threads=threads, providers=providers)
    settings = primary.settings.with_overrides(conf=current.pair_conf)
    return PairedDetector(primary, whole, settings, current.model_id)
