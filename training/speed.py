"""Speed on this CPU, for the model card: FP32 and INT8 timed interleaved, so a busy machine slows both alike.

Per detector (one model or a pair): one survey frame (the datasets' largest, 1024x640) and the same frame
resized to a 1920x1080 dashcam frame, each through the detector as the service runs it (tiles, full-frame
pass or companion, merge); for a single model also one model window (a single letterboxed inference).
Medians after a warm-up.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import cv2

__all__ = ["DASHCAM_WH", "measure_speed_ms"]

DASHCAM_WH = (1920, 1080)


def measure_speed_ms(detectors: dict[str, Any], frame_path: Path, repeats: int = 10) -> dict[str, float]:
    """{"<label>: <what>": median ms} for each detector, runs interleaved."""
    from detector import OnnxDetector

    frame = cv2.imread(str(frame_path), cv2.IMREAD_COLOR)
    if frame is None:
        raise ValueError(f"{frame_path}: image does not decode")
    dashcam = cv2.resize(frame, DASHCAM_WH, interpolation=cv2.INTER_LINEAR)
    height_px, width_px = frame.shape[:2]
    cases = []
    for label, detector in detectors.items():
        cases.append((f"{label}: one {width_px}x{height_px} frame, the service's pipeline", detector, frame))
        cases.append((f"{label}: one {DASHCAM_WH[0]}x{DASHCAM_WH[1]} frame, the service's pipeline",
                      detector, dashcam))
        if isinstance(detector, OnnxDetector):
            side_px = min(height_px, width_px, detector.info.input_hw[0])
            window_only = detector.with_settings(replace(detector.settings, tile_px=None))
            cases.append((f"{label}: one model window ({side_px}x{side_px} crop)", window_only,
                          frame[:side_px, :side_px].copy()))
    for _, detector, image in cases:
        detector(image)  # warm-up: session initialisation and buffers
    times: dict[str, list[float]] = {name: [] for name, _, _ in cases}
    for _ in range(repeats):
        for name, detector, image in cases:
            start = time.perf_counter()
            detector(image)
            times[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}
