"""Detection metrics with ultralytics' own, well-tested matching and AP code (not a hand-written one).

`DetectionTally` collects per-image predictions and ground truth; `summarise` turns them into mAP50,
mAP50-95 (ultralytics' `ap_per_class`) and precision / recall / F1 counted at a chosen confidence.
The operating confidence is the best-F1 point of a *validation* set (`best_f1_conf`), never of test.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np

__all__ = ["DetectionTally", "Metrics", "summarise", "best_f1_conf", "match_correct"]

IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)
DEFAULT_CONF = 0.25
MIN_OPERATING_CONF = 0.01  # below this a model would send the service every speck of noise


@dataclass(frozen=True, slots=True)
class Metrics:
    map50: float
    map50_95: float
    precision: float
    recall: float
    f1: float
    conf: float
    images: int
    boxes: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "map50": round(self.map50, 4),
            "map50_95": round(self.map50_95, 4),
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "conf": round(self.conf, 4),
            "images": self.images,
            "boxes": self.boxes,
        }


@contextmanager
def opencv_threads_for_detection() -> Iterator[None]:
    """OpenCV's default threads while our detector runs in a process that uses ultralytics.

    ultralytics calls cv2.setNumThreads(0) when it is first imported (its DataLoader workers are forked
    and must not inherit OpenCV's thread pool). The evaluation runs our detector in the same process, and
    its letterbox and tensor conversion use OpenCV's threads, as in the service (which never imports
    ultralytics): without this, every image after the first was preprocessed on one thread. The matcher
    is imported first, so its import happens outside; the setting is put back afterwards for training.
    """
    import cv2
    from ultralytics.utils import metrics  # noqa: F401 - imported now for its side effect on OpenCV

    threads_before = cv2.getNumThreads()
    cv2.setNumThreads(-1)  # < 0: OpenCV's default, one thread per core
    try:
        yield
    finally:
        cv2.setNumThreads(0 if threads_before == 1 else threads_before)


def match_correct(
    pred_xyxy: np.ndarray, pred_cls: np.ndarray, true_xyxy: np.ndarray, true_cls: np.ndarray
) -> np.ndarray:
    """(N, 10) bool: prediction i (sorted by descending confidence) is a hit at each IoU threshold.

    ultralytics' greedy matcher, the one its validator uses (it only reads `iouv` from `self`).
    """
    import torch
    from ultralytics.engine.validator import BaseValidator
    from ultralytics.utils.metrics import box_iou

    pred_xyxy = np.asarray(pred_xyxy, np.float32).reshape(-1, 4)
    true_xyxy = np.asarray(true_xyxy, np.float32).reshape(-1, 4)
    if len(pred_xyxy) == 0 or len(true_xyxy) == 0:
        return np.zeros((len(pred_xyxy), len(IOU_THRESHOLDS)), bool)
    iou = box_iou(torch.from_numpy(true_xyxy), torch.from_numpy(pred_xyxy))
    matcher = SimpleNamespace(iouv=torch.from_numpy(IOU_THRESHOLDS.astype(np.float32)))
    return BaseValidator.match_predictions(
        matcher,  # type: ignore[arg-type]  # duck-typed self: the matcher reads only .iouv, no validator needed
        torch.from_numpy(np.asarray(pred_cls, np.int64)),
        torch.from_numpy(np.asarray(true_cls, np.int64)),
        iou,
    ).numpy()


@dataclass(slots=True)
class DetectionTally:
    """Accumulates what ultralytics' `ap_per_class` needs: per prediction, correct at 10 IoU thresholds."""

    correct: list[np.ndarray] = field(default_factory=list)
    confidences: list[np.ndarray] = field(default_factory=list)
    pred_classes: list[np.ndarray] = field(default_factory=list)
    target_classes: list[np.ndarray] = field(default_factory=list)
    images: int = 0

    def add(
        self,
        pred_xyxy: np.ndarray,
        pred_conf: np.ndarray,
        pred_cls: np.ndarray,
        true_xyxy: np.ndarray,
        true_cls: np.ndarray,
    ) -> None:
        """One image; boxes in the same pixel frame. Predictions may come in any order."""
        self.images += 1
        pred_xyxy = np.asarray(pred_xyxy, np.float32).reshape(-1, 4)
        order = np.argsort(-np.asarray(pred_conf, np.float32), kind="stable")
        pred_xyxy, pred_conf, pred_cls = (
            pred_xyxy[order],
            np.asarray(pred_conf)[order],
            np.asarray(pred_cls)[order],
        )
        self.target_classes.append(np.asarray(true_cls, np.int64))
        if len(pred_xyxy) == 0:
            return
        self.correct.append(match_correct(pred_xyxy, pred_cls, true_xyxy, true_cls))
        self.confidences.append(np.asarray(pred_conf, np.float32))
        self.pred_classes.append(np.asarray(pred_cls, np.int64))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if self.correct:
            return (
                np.concatenate(self.correct),
                np.concatenate(self.confidences),
                np.concatenate(self.pred_classes),
                np.concatenate(self.target_classes),
            )
        targets = np.concatenate(self.target_classes) if self.target_classes else np.zeros(0, np.int64)
        return np.zeros((0, len(IOU_THRESHOLDS)), bool), np.zeros(0), np.zeros(0, np.int64), targets


def _curves(
    tally: DetectionTally,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    from ultralytics.utils.metrics import ap_per_class

    correct, conf, pred_cls, target_cls = tally.arrays()
    if len(target_cls) == 0 or len(conf) == 0:
        return None
    result = ap_per_class(correct, conf, pred_cls, target_cls, plot=False)
    ap, p_curve, r_curve, f1_curve, x = result[5], result[7], result[8], result[9], result[10]
    return ap, p_curve.mean(0), r_curve.mean(0), f1_curve.mean(0), x


def best_f1_conf(tally: DetectionTally) -> float:
    """The confidence at the best (smoothed, as ultralytics does) F1 of this tally's curve."""
    from ultralytics.utils.metrics import smooth

    curves = _curves(tally)
    if curves is None or curves[3].max() <= 0:
        return DEFAULT_CONF  # nothing found: no curve to choose from
    _, _, _, f1, x = curves
    return max(float(x[int(smooth(f1, 0.1).argmax())]), MIN_OPERATING_CONF)


def counts_at(tally: DetectionTally, conf: float) -> tuple[int, int, int]:
    """(true positives, false positives, targets) at IoU 0.5 among predictions with confidence >= conf.

    Exact counts, not a read-off of the interpolated curve. Valid because ultralytics' matcher is greedy in
    descending confidence: dropping the predictions below `conf` does not change how the others matched.
    """
    correct, confidences, _, target_cls = tally.arrays()
    kept = confidences >= conf
    true_positives = int(correct[kept, 0].sum())
    return true_positives, int(kept.sum()) - true_positives, len(target_cls)


def summarise(tally: DetectionTally, conf: float) -> Metrics:
    """mAP over the whole curve (ultralytics' ap_per_class); precision / recall / F1 counted at `conf`."""
    boxes = int(sum(len(t) for t in tally.target_classes))
    curves = _curves(tally)
    map50 = float(curves[0][:, 0].mean()) if curves is not None else 0.0
    map50_95 = float(curves[0].mean()) if curves is not None else 0.0
    true_positives, false_positives, targets = counts_at(tally, conf)
    precision = true_positives / (true_positives + false_positives) if true_positives else 0.0
    recall = true_positives / targets if targets else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Metrics(
        map50=map50,
        map50_95=map50_95,
        precision=precision,
        recall=recall,
        f1=f1,
        conf=conf,
        images=tally.images,
        boxes=boxes,
    )
