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
    tally.add(np.array([[0, 0, 20, 20]], np.float32), np.array([0.7]), np.zeros(1, np.int64),
              np.zeros((0, 4)), np.zeros(0, np.int64))
    at_low = summarise(tally, conf=0.5)
    at_high = summarise(tally, conf=0.75)
    assert at_low.precision == pytest.approx(2 / 3, abs=0.01) and at_low.recall == pytest.approx(1.0)
    assert at_high.precision == pytest.approx(1.0) and at_high.recall == pytest.approx(1.0)
    assert 0.7 <= best_f1_conf(tally) <= 0.8      # best F1 sits between the false positive and the hits


def test_loose_box_counts_at_iou_half_only() -> None:
    loose = TRUE[:1] + np.array([0, 0, 16, 0], np.float32)   # IoU 40*40 / 56*40 = 0.71
    tally = DetectionTally()
    tally.add(loose, np.array([0.9]), np.zeros(1, np.int64), TRUE[:1], CLS[:1])
    metrics = summarise(tally, conf=0.5)
    assert metrics.map50 == pytest.approx(1.0, abs=0.01)
    assert 0.3 < metrics.map50_95 < 0.6


def test_no_detections_at_all_keeps_the_default_operating_conf() -> None:
    tally = DetectionTally()
    tally.add(np.zeros((0, 4)), np.zeros(0), np.zeros(0, np.int64), TRUE, CLS)
    assert best_f1_conf(tally) == 0.25
