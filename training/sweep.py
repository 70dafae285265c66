"""Metrics of a TILED detector, exact at every confidence threshold of a grid.

With tiles, the detector's cross-window merge (union of boxes that overlap across windows) depends on
which boxes survive the confidence threshold: at a 0.001 floor, chains of weak boxes fuse into a few huge
boxes, so one low-confidence run does not rank what the service emits at its real threshold, and
ultralytics' single-run mAP would measure a pipeline nobody runs. Instead each image's windows are run
once at the floor, and for every threshold t of the grid the per-window boxes >= t are merged by the
detector's own `merge_windows`: exactly the service's output at conf=t (NMS and max_det commute with a
higher threshold). Each threshold gives one precision / recall point per IoU threshold; AP integrates
those points with ultralytics' `compute_ap` (COCO 101-point interpolation of the precision envelope).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from training.metrics import IOU_THRESHOLDS, Metrics, match_correct

__all__ = ["CONF_GRID", "SweepTally", "windowed_detections"]

CONF_GRID = np.round(np.concatenate([[0.001, 0.003, 0.005], np.arange(0.01, 0.96, 0.01)]), 3)


def windowed_detections(detector, image_bgr: np.ndarray, floor_conf: float):
    """(windows, per-window (xyxy frame px, scores, class_ids) at floor_conf) through detector's stages."""
    settings = detector.settings.with_overrides(conf=floor_conf)
    return detector.window_detections(image_bgr, settings=settings)


def _merged_at(per_window, windows, threshold: float, iou: float, max_det: int):
    from detector.tiling import merge_windows

    kept = [
        (xyxy[scores >= threshold], scores[scores >= threshold], cls[scores >= threshold])
        for xyxy, scores, cls in per_window
    ]
    if len(windows) == 1:
        xyxy, scores, cls = kept[0]
        return xyxy[:max_det], scores[:max_det], cls[:max_det]
    return merge_windows(kept, windows, iou=iou, max_det=max_det)


@dataclass(slots=True)
class SweepTally:
    """True positives (per IoU threshold) and predictions at each confidence threshold, over all images."""

    thresholds: np.ndarray = field(default_factory=lambda: CONF_GRID.copy())
    true_positives: np.ndarray = field(init=False)
    predictions: np.ndarray = field(init=False)
    targets: int = 0
    images: int = 0

    def __post_init__(self) -> None:
        self.thresholds = np.unique(np.asarray(self.thresholds, np.float64))
        self.true_positives = np.zeros((len(self.thresholds), len(IOU_THRESHOLDS)), np.int64)
        self.predictions = np.zeros(len(self.thresholds), np.int64)

    def add(self, detector, image_bgr: np.ndarray, true_xyxy: np.ndarray, true_cls: np.ndarray) -> None:
        settings = detector.settings
        windows, per_window = windowed_detections(detector, image_bgr, float(self.thresholds.min()))
        self.images += 1
        self.targets += len(true_cls)
        for index, threshold in enumerate(self.thresholds):
            xyxy, scores, cls = _merged_at(per_window, windows, threshold, settings.iou, settings.max_det)
            if len(scores) == 0:
                continue
            order = np.argsort(-scores, kind="stable")
            correct = match_correct(xyxy[order], cls[order], true_xyxy, true_cls)
            self.true_positives[index] += correct.sum(axis=0)
            self.predictions[index] += len(scores)

    def _precision_recall(self) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(divide="ignore", invalid="ignore"):
            precision = np.where(
                self.predictions[:, None] > 0,
                self.true_positives / np.maximum(self.predictions[:, None], 1),
                np.nan,
            )
        recall = self.true_positives / max(self.targets, 1)
        return precision, recall

    def average_precision(self) -> np.ndarray:
        """AP per IoU threshold from the grid's (recall, precision) points, via ultralytics' compute_ap."""
        from ultralytics.utils.metrics import compute_ap

        precision, recall = self._precision_recall()
        ap = np.zeros(len(IOU_THRESHOLDS))
        if self.targets == 0:
            return ap
        for j in range(len(IOU_THRESHOLDS)):
            valid = ~np.isnan(precision[:, j])
            if not valid.any():
                continue
            order = np.argsort(recall[valid, j], kind="stable")  # high threshold -> low recall first
            ap[j] = compute_ap(recall[valid, j][order], precision[valid, j][order])[0]
        return ap

    def at(self, conf: float) -> tuple[float, float, float]:
        """(precision, recall, F1) at IoU 0.5 at the grid threshold nearest `conf`."""
        index = int(np.argmin(np.abs(self.thresholds - conf)))
        true_positives, predictions = self.true_positives[index, 0], self.predictions[index]
        precision = true_positives / predictions if true_positives else 0.0
        recall = true_positives / self.targets if self.targets else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return float(precision), float(recall), float(f1)

    def best_f1_conf(self, default: float = 0.25) -> float:
        f1 = np.array([self.at(t)[2] for t in self.thresholds])
        return float(self.thresholds[int(f1.argmax())]) if f1.max() > 0 else default

    def summarise(self, conf: float) -> Metrics:
        ap = self.average_precision()
        precision, recall, f1 = self.at(conf)
        return Metrics(
            map50=float(ap[0]),
            map50_95=float(ap.mean()),
            precision=precision,
            recall=recall,
            f1=f1,
            conf=float(self.thresholds[int(np.argmin(np.abs(self.thresholds - conf)))]),
            images=self.images,
            boxes=self.targets,
        )
