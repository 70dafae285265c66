"""Evaluate an ONNX model THROUGH `detector/`, the production path, with the model's own settings.

The model's tiling / ROI / NMS settings come from its ONNX metadata, exactly as the service runs it. For a
whole-frame model only the confidence floor is lowered (to EVAL_CONF) so the whole precision-recall curve
exists for mAP; a tiled model is measured at every threshold of a grid (training/sweep.py says why).
Precision, recall and F1 are then read at the model's operating confidence, which `operating_conf`
chooses on a validation split (best F1) and the exporter stores in the model: never chosen on test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from training.data import label_path_for, read_data_yaml, split_images
from training.metrics import (
    DetectionTally,
    Metrics,
    best_f1_conf,
    opencv_threads_for_detection,
    summarise,
)
from training.sweep import CONF_GRID, SweepTally

__all__ = [
    "EVAL_CONF",
    "EvaluationError",
    "ground_truth",
    "tally_split",
    "evaluate",
    "evaluate_detector",
    "load_detector",
    "operating_conf",
]

EVAL_CONF = 0.001  # the floor ultralytics' validator uses: mAP needs the low-confidence tail

Progress = Callable[[Iterable, str], Iterable]


class EvaluationError(ValueError):
    """The data or the model cannot be evaluated (the message names which)."""


@dataclass(frozen=True, slots=True)
class SplitResult:
    data_yaml: Path
    split: str
    metrics: Metrics


def ground_truth(image_path: Path, frame_wh: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """YOLO labels of one image -> (xyxy frame px (M, 4), class ids (M,)); no file = a negative."""
    label_path = label_path_for(image_path)
    rows = []
    if label_path.exists():
        rows = [line.split() for line in label_path.read_text().splitlines() if line.strip()]
    if not rows:
        return np.zeros((0, 4), np.float32), np.zeros(0, np.int64)
    values = np.asarray(rows, dtype=np.float64)
    width_px, height_px = frame_wh
    cx, cy, w, h = (
        values[:, 1] * width_px,
        values[:, 2] * height_px,
        values[:, 3] * width_px,
        values[:, 4] * height_px,
    )
    xyxy = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1).astype(np.float32)
    return xyxy, values[:, 0].astype(np.int64)


def _split_paths(data_yaml: Path, split: str) -> list[Path]:
    config = read_data_yaml(data_yaml)
    if config.get(split) is None:
        raise EvaluationError(f"--split {split}: {data_yaml} has no '{split}' entry")
    images = split_images(config, split)
    if not images:
        raise EvaluationError(f"--split {split}: {data_yaml} lists no images")
    return images


def tally_split(
    detector,
    data_yamls: list[Path],
    split: str,
    progress: Progress | None = None,
    extra_thresholds: tuple[float, ...] = (),
) -> DetectionTally | SweepTally:
    """Run `detector` (an OnnxDetector, its settings as the service uses them) over the split's images.

    Whole-frame pipelines rank consistently across thresholds: one run at EVAL_CONF and ultralytics'
    ap_per_class. Tiled pipelines merge across windows in a threshold-dependent way: SweepTally.
    """
    tiled = detector.settings.tile_px is not None
    tally: DetectionTally | SweepTally = (
        SweepTally(np.append(CONF_GRID, extra_thresholds)) if tiled else DetectionTally()
    )
    low_conf = detector.with_settings(detector.settings.with_overrides(conf=EVAL_CONF))
    with opencv_threads_for_detection():
        for data_yaml in data_yamls:
            images = _split_paths(data_yaml, split)
            iterator = progress(images, f"{data_yaml.parent.name}/{split}") if progress else images
            for image_path in iterator:
                image = cv2.imread(str(image_path), cv2.IMREAD_COLOR)
                if image is None:
                    raise EvaluationError(f"{image_path}: image does not decode")
                true_xyxy, true_cls = ground_truth(image_path, (image.shape[1], image.shape[0]))
                if isinstance(tally, SweepTally):
                    tally.add(detector, image, true_xyxy, true_cls)
                    continue
                detections = low_conf(image)
                tally.add(
                    np.asarray([d.xyxy_px for d in detections], np.float32).reshape(-1, 4),
                    np.asarray([d.confidence for d in detections], np.float32),
                    np.asarray([d.class_id for d in detections], np.int64),
                    true_xyxy,
                    true_cls,
                )
    return tally


def _summarise(tally: DetectionTally | SweepTally, conf: float) -> Metrics:
    return tally.summarise(conf) if isinstance(tally, SweepTally) else summarise(tally, conf)


def load_detector(weights: Path, threads: int | None = None, companion: Path | None = None):
    """One ONNX model, or with `companion` the pair (WEIGHTS' tiles + the companion's whole-frame pass)."""
    from detector import OnnxDetector, PairedDetector

    detector = OnnxDetector.load(weights, threads=threads)
    if companion is None:
        return detector
    return PairedDetector(detector, OnnxDetector.load(companion, threads=threads))


def evaluate(
    weights: Path,
    data_yamls: list[Path],
    split: str,
    *,
    conf: float | None = None,
    threads: int | None = None,
    progress: Progress | None = None,
    tile_px: int | None = -1,
    companion: Path | None = None,
) -> Metrics:
    """mAP over the curve and P/R/F1 at `conf` (default: the operating confidence stored in the model).

    `tile_px` -1 keeps the model's own tiling (the production numbers); None or a size is an experiment.
    A pair (`companion`) without `conf` is scored at its tile model's stored confidence.
    """
    detector = load_detector(weights, threads, companion)
    if tile_px != -1:
        detector = detector.with_settings(replace(detector.settings, tile_px=tile_px))
    return evaluate_detector(detector, data_yamls, split, conf=conf, progress=progress)


def evaluate_detector(
    detector,
    data_yamls: list[Path],
    split: str,
    *,
    conf: float | None = None,
    progress: Progress | None = None,
) -> Metrics:
    """The same measurement for a detector already loaded (a model or a pair, with its settings)."""
    conf = detector.settings.conf if conf is None else conf
    tally = tally_split(detector, data_yamls, split, progress, extra_thresholds=(conf,))
    return _summarise(tally, conf)


def operating_conf(
    detector, data_yamls: list[Path], split: str = "val", progress: Progress | None = None
) -> tuple[float, Metrics]:
    """Best-F1 confidence on a validation split, and the metrics there at that confidence."""
    if split == "test":
        raise EvaluationError("the operating confidence is chosen on val, never on test")
    tally = tally_split(detector, data_yamls, split, progress)
    best = tally.best_f1_conf() if isinstance(tally, SweepTally) else best_f1_conf(tally)
    conf = round(best, 3)
    return conf, _summarise(tally, conf)
