"""Speed on this CPU, for the model card: FP32 and INT8 timed interleaved, so a busy machine slows both alike.

Two numbers per model: one whole frame through the detector as the service runs it (tiles + full-frame
pass, merge), and one model window (a single letterboxed inference). Medians after a warm-up.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import cv2

__all__ = ["measure_speed_ms"]


def measure_speed_ms(models: dict[str, Path], frame_path: Path, repeats: int = 10) -> dict[str, float]:
    """{"<label>, ...": median ms} for each model, frame and single window, runs interleaved."""
    from detector import OnnxDetector

    frame = cv2.imread(str(frame_path), cv2.IMREAD_COLOR)
    if frame is None:
        raise ValueError(f"{frame_path}: image does not decode")
    detectors = {label: OnnxDetector.load(path) for label, path in models.items()}
    window_only = {
        label: d.with_settings(d.settings.with_overrides(tile_px=None)) for label, d in detectors.items()
    }
    height_px, width_px = frame.shape[:2]
    side_px = min(height_px, width_px, *(d.info.input_hw[0] for d in detectors.values()))
    window = frame[:side_px, :side_px].copy()
    cases = []
    for label in models:
        cases.append(
            (f"{label}: one {width_px}x{height_px} frame, the service's pipeline", detectors[label], frame)
        )
        cases.append((f"{label}: one model window ({side_px}x{side_px} crop)", window_only[label], window))
    for _, detector, image in cases:
        detector(image)  # warm-up: session initialisation and buffers
    times: dict[str, list[float]] = {name: [] for name, _, _ in cases}
    for _ in range(repeats):
        for name, detector, image in cases:
            start = time.perf_counter()
            detector(image)
            times[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}
