"""Metrics through ultralytics' matcher and ap_per_class; the operating confidence rule."""

from __future__ import annotations

import numpy as np
import pytest

from training.metrics import DetectionTally, best_f1_conf, summarise

TRUE = np.array([[10, 10, 50, 50], [100, 100, 140, 160]], np.float32)
CLS = np.zeros(2, np.int64)


def test_perfect_predictions_score_one() -> None:
    tally = DetectionTally()
    tally.add(TRUE, np.array([0.9, 0.8]), CLS, TRUE, CLS)
    metrics = summarise(tally, conf=0.5)
    assert metrics.map50 == pytest.approx(1.0, abs=0.01) and metrics.map50_95 == pytest.approx(1.0, abs=0.01)
    assert (metrics.precision, metrics.recall, metrics.images, metrics.boxes) == (1.0, 1.0, 1, 2)


def test_nothing_found_scores_zero_not_perfect_precision() -> None:
    tally = DetectionTally()
    tally.add(np.zeros((0, 4)), np.zeros(0), np.zeros(0, np.int64), TRUE, CLS)
    metrics = summarise(tally, conf=0.25)
    assert (metrics.map50, metrics.precision, metrics.recall, metrics.f1) == (0.0, 0.0, 0.0, 0.0)


def test_false_positive_on_a_negative_image_costs_precision() -> None:
    tally = DetectionTally()
    tally.add(TRUE, np.array([0.9, 0.8]), CLS, TRUE, CLS)
    tally.add(
        np.array([[0, 0, 20, 20]], np.float32),
        np.array([0.7]),
        np.zeros(1, np.int64),
        np.zeros((0, 4)),
        np.zeros(0, np.int64),
    )
    at_low = summarise(tally, conf=0.5)
    at_high = summarise(tally, conf=0.75)
    assert at_low.precision == pytest.approx(2 / 3, abs=0.01) and at_low.recall == pytest.approx(1.0)
    assert at_high.precision == pytest.approx(1.0) and at_high.recall == pytest.approx(1.0)
    assert 0.7 <= best_f1_conf(tally) <= 0.8  # best F1 sits between the false positive and the hits


def test_loose_box_counts_at_iou_half_only() -> None:
    loose = TRUE[:1] + np.array([0, 0, 16, 0], np.float32)  # IoU 40*40 / 56*40 = 0.71
    tally = DetectionTally()
    tally.add(loose, np.array([0.9]), np.zeros(1, np.int64), TRUE[:1], CLS[:1])
    metrics = summarise(tally, conf=0.5)
    assert metrics.map50 == pytest.approx(1.0, abs=0.01)
    assert 0.3 < metrics.map50_95 < 0.6


def test_no_detections_at_all_keeps_the_default_operating_conf() -> None:
    tally = DetectionTally()
    tally.add(np.zeros((0, 4)), np.zeros(0), np.zeros(0, np.int64), TRUE, CLS)
    assert best_f1_conf(tally) == 0.25


def test_map_agrees_with_pycocotools_on_a_noisy_set() -> None:
    """Cross-check against COCOeval on jittered boxes with misses and false positives (different
    interpolation, so close, not equal)."""
    import contextlib
    import io

    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    rng = np.random.default_rng(0)
    tally = DetectionTally()
    images, annotations, results = [], [], []
    for image_id in range(1, 41):
        count = int(rng.integers(0, 5))
        xy = rng.uniform(0, 400, (count, 2))
        wh = rng.uniform(10, 120, (count, 2))
        truth = np.concatenate([xy, xy + wh], axis=1).astype(np.float32)
        found = rng.uniform(size=count) < 0.8
        jitter = rng.normal(0, 6, (count, 4)).astype(np.float32)
        pred = (truth + jitter)[found]
        extra = rng.uniform(0, 400, (int(rng.integers(0, 3)), 2))
        pred = np.concatenate([pred, np.concatenate([extra, extra + 40], axis=1)]).astype(np.float32)
        scores = rng.uniform(0.05, 1.0, len(pred)).astype(np.float32)
        tally.add(pred, scores, np.zeros(len(pred), np.int64), truth, np.zeros(count, np.int64))
        images.append({"id": image_id, "width": 640, "height": 640})
        for box in truth:
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "category_id": 1,
                    "iscrowd": 0,
                    "bbox": [float(box[0]), float(box[1]), float(box[2] - box[0]), float(box[3] - box[1])],
                    "area": float((box[2] - box[0]) * (box[3] - box[1])),
                }
            )
        for box, score in zip(pred, scores, strict=True):
            results.append(
                {
                    "image_id": image_id,
                    "category_id": 1,
                    "score": float(score),
                    "bbox": [float(box[0]), float(box[1]), float(box[2] - box[0]), float(box[3] - box[1])],
                }
            )
    with contextlib.redirect_stdout(io.StringIO()):
        truth_api = COCO()
        truth_api.dataset = {
            "images": images,
            "annotations": annotations,
            "categories": [{"id": 1, "name": "p"}],
        }
        truth_api.createIndex()
        evaluation = COCOeval(truth_api, truth_api.loadRes(results), "bbox")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    coco_map50_95, coco_map50 = evaluation.stats[0], evaluation.stats[1]
    ours = summarise(tally, conf=0.25)
    assert ours.map50 == pytest.approx(coco_map50, abs=0.03)
    assert ours.map50_95 == pytest.approx(coco_map50_95, abs=0.03)


def test_opencv_gets_its_threads_while_our_detector_runs_and_back_after() -> None:
    """ultralytics' import turns OpenCV's threads off; our detector gets them back while it runs."""
    import cv2

    from training.metrics import opencv_threads_for_detection

    cv2.setNumThreads(-1)
    default = cv2.getNumThreads()
    cv2.setNumThreads(0)  # what `import ultralytics` did, first time round
    with opencv_threads_for_detection():
        assert cv2.getNumThreads() == default
    assert cv2.getNumThreads() == 1  # off again, for training's forked DataLoader workers


def test_the_evaluation_runs_our_detector_with_opencv_threads(make_dataset) -> None:  # noqa: ANN001
    """After ultralytics' import: the detector sees OpenCV's default threads; training after it does not."""
    import cv2

    from detector import InferenceSettings
    from training.evaluate import tally_split

    class RecordingDetector:
        """Stands in for OnnxDetector: records OpenCV's thread count on every call, finds nothing."""

        def __init__(self, seen: list[int]) -> None:
            self.settings = InferenceSettings()
            self.seen = seen

        def with_settings(self, settings: InferenceSettings) -> RecordingDetector:
            return self

        def __call__(self, image: np.ndarray) -> tuple[()]:
            self.seen.append(cv2.getNumThreads())
            return ()

    data = make_dataset({"val": {"a": "0 0.5 0.5 0.2 0.2\n", "b": ""}})
    cv2.setNumThreads(-1)
    default = cv2.getNumThreads()
    cv2.setNumThreads(0)
    seen: list[int] = []
    tally_split(RecordingDetector(seen), [data], "val")
    assert seen == [default, default] and cv2.getNumThreads() == 1
