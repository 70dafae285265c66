"""Tiled-pipeline metrics (threshold sweep) agree with ultralytics' single-run metrics where both apply."""

from __future__ import annotations

import numpy as np
import pytest

from detector import InferenceSettings
from training.metrics import DetectionTally, summarise
from training.sweep import SweepTally


class FixedDetector:
    """Stands in for OnnxDetector's stages: returns prepared boxes for the next image (whole frame)."""

    def __init__(self, outputs: list[tuple[np.ndarray, np.ndarray]], tile_px: int | None = None) -> None:
        self.settings = InferenceSettings(conf=0.25, tile_px=tile_px)
        self._outputs = iter(outputs)

    def window_detections(self, image_bgr, settings):
        from detector.tiling import plan_windows

        xyxy, scores = next(self._outputs)
        keep = scores >= settings.conf
        windows = plan_windows(image_bgr.shape[:2], settings)
        return windows, [(xyxy[keep], scores[keep], np.zeros(int(keep.sum()), np.int64))]


def _noisy_set(seed: int = 1):
    rng = np.random.default_rng(seed)
    for _ in range(30):
        count = int(rng.integers(0, 4))
        xy = rng.uniform(0, 300, (count, 2))
        truth = np.concatenate([xy, xy + rng.uniform(15, 90, (count, 2))], axis=1).astype(np.float32)
        found = truth[rng.uniform(size=count) < 0.8]
        pred = (found + rng.normal(0, 5, found.shape)).astype(np.float32)
        junk = rng.uniform(0, 300, (int(rng.integers(0, 3)), 2))
        pred = np.concatenate([pred, np.concatenate([junk, junk + 30], axis=1)]).astype(np.float32)
        yield truth, pred, rng.uniform(0.0, 1.0, len(pred)).astype(np.float32)


def test_sweep_matches_the_single_run_on_a_whole_frame_pipeline() -> None:
    items = list(_noisy_set())
    image = np.zeros((400, 400, 3), np.uint8)
    exact, sweep = DetectionTally(), SweepTally(np.append(np.arange(0.01, 0.96, 0.01), [0.001, 0.3]))
    detector = FixedDetector([(pred, scores) for _, pred, scores in items])
    for truth, pred, scores in items:
        exact.add(pred, scores, np.zeros(len(pred), np.int64), truth, np.zeros(len(truth), np.int64))
        sweep.add(detector, image, truth, np.zeros(len(truth), np.int64))
    single, swept = summarise(exact, 0.3), sweep.summarise(0.3)
    assert swept.map50 == pytest.approx(single.map50, abs=0.02)
    assert swept.map50_95 == pytest.approx(single.map50_95, abs=0.02)
    assert (swept.precision, swept.recall, swept.f1) == pytest.approx(
        (single.precision, single.recall, single.f1)
    )
    assert (swept.images, swept.boxes) == (single.images, single.boxes)


def test_best_f1_threshold_on_the_grid() -> None:
    truth = np.array([[10, 10, 60, 60]], np.float32)
    pred = np.array([[10, 10, 60, 60], [200, 200, 250, 250]], np.float32)
    scores = np.array([0.8, 0.4], np.float32)  # the false positive disappears above 0.4
    sweep = SweepTally()
    sweep.add(
        FixedDetector([(pred, scores)]), np.zeros((300, 300, 3), np.uint8), truth, np.zeros(1, np.int64)
    )
    assert 0.4 < sweep.best_f1_conf() <= 0.8
    assert sweep.at(0.5) == pytest.approx((1.0, 1.0, 1.0))
    assert sweep.at(0.2)[0] == pytest.approx(0.5)
