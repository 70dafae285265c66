"""Decoding and NMS: edge cases, torchvision as the NMS reference, ultralytics' NMS on whole head outputs."""

from __future__ import annotations

import numpy as np
import pytest

from detector.postprocess import MAX_NMS, class_aware_nms, decode_yolo, nms


def raw_output(
    rng: np.random.Generator, n: int, nc: int, *, canvas_px: int = 640, score_scale: float = 1.0
) -> np.ndarray:
    """A (4+nc, N) head output with clustered boxes, so NMS has real overlaps to resolve."""
    centres = rng.uniform(0, canvas_px, (max(n // 20, 1), 2))
    pick = rng.integers(0, len(centres), n)
    cxcy = centres[pick] + rng.normal(0, 6, (n, 2))
    wh = rng.uniform(8, 120, (n, 2))
    scores = rng.uniform(0, score_scale, (nc, n))
    return np.concatenate([cxcy.T, wh.T, scores]).astype(np.float32)


def test_decode_no_anchors() -> None:
    xyxy, scores, ids = decode_yolo(np.zeros((5, 0), np.float32), 0.25)
    assert xyxy.shape == (0, 4) and scores.shape == (0,) and ids.shape == (0,)


def test_decode_all_under_threshold() -> None:
    output = raw_output(np.random.default_rng(0), 8400, 1, score_scale=0.2)
    assert len(decode_yolo(output, 0.25)[1]) == 0
    assert len(class_aware_nms(decode_yolo(output, 0.25), 0.45, 300)[1]) == 0


def test_decode_threshold_is_strict_like_ultralytics() -> None:
    output = np.array([[10, 10], [10, 10], [4, 4], [4, 4], [0.25, 0.2500001]], np.float32)
    _, scores, _ = decode_yolo(output, 0.25)
    assert scores.tolist() == [np.float32(0.2500001)]


def test_decode_centre_xywh_to_xyxy_and_best_class() -> None:
    output = np.array([[100.0], [50.0], [20.0], [10.0], [0.1], [0.9], [0.3]], np.float32)
    xyxy, scores, ids = decode_yolo(output, 0.25)
    np.testing.assert_allclose(xyxy, [[90, 45, 110, 55]])
    assert ids.tolist() == [1] and scores.tolist() == [np.float32(0.9)]


def test_decode_rejects_wrong_rank() -> None:
    with pytest.raises(ValueError, match="not \\(4\\+nc, N\\)"):
        decode_yolo(np.zeros((1, 5, 10), np.float32), 0.25)


@pytest.mark.parametrize("seed", range(12), ids=lambda s: f"seed{s}")
@pytest.mark.parametrize("iou", [0.3, 0.45, 0.7], ids=lambda v: f"iou{v}")
def test_nms_matches_torchvision(seed: int, iou: float) -> None:
    torch = pytest.importorskip("torch")
    torchvision = pytest.importorskip("torchvision")
    rng = np.random.default_rng(seed)
    xyxy, scores, _ = decode_yolo(raw_output(rng, 1500, 1), 0.0)
    if seed % 3 == 0:
        scores = np.round(scores, 2).astype(np.float32)  # many exact ties: stable order must match too
    expected = torchvision.ops.nms(torch.from_numpy(xyxy), torch.from_numpy(scores), iou).numpy()
    np.testing.assert_array_equal(nms(xyxy, scores, iou), expected)


def test_nms_empty_and_max_det() -> None:
    assert nms(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), 0.5).size == 0
    far_apart = np.array([[i * 100, 0, i * 100 + 10, 10] for i in range(10)], np.float32)
    kept = nms(far_apart, np.linspace(1, 0.1, 10, dtype=np.float32), 0.5, max_det=3)
    assert kept.tolist() == [0, 1, 2]


@pytest.mark.parametrize(
    ("n", "nc", "conf", "max_det"),
    [
        (2100, 1, 0.25, 300),
        (8400, 3, 0.5, 300),
        (8400, 80, 0.9, 300),
        (40_000, 1, 0.05, 300),
        (5000, 2, 0.3, 20),
    ],
    ids=["tiny-1cls", "3cls", "80cls", "over-max-nms", "max-det"],
)
def test_whole_head_matches_ultralytics_nms(n: int, nc: int, conf: float, max_det: int) -> None:
    """decode + class-aware NMS == ultralytics.utils.nms.non_max_suppression on the same tensor."""
    torch = pytest.importorskip("torch")
    nms_module = pytest.importorskip("ultralytics.utils.nms")
    output = raw_output(np.random.default_rng(n + nc), n, nc)
    xyxy, scores, ids = class_aware_nms(decode_yolo(output, conf), 0.45, max_det)
    ref = nms_module.non_max_suppression(torch.from_numpy(output[None]), conf, 0.45, max_det=max_det)[
        0
    ].numpy()
    assert len(scores) == len(ref)
    if n > MAX_NMS:
        assert len(decode_yolo(output, conf)[1]) > MAX_NMS  # the cap really was exercised
    np.testing.assert_array_equal(xyxy, ref[:, :4])
    np.testing.assert_array_equal(scores, ref[:, 4])
    np.testing.assert_array_equal(ids, ref[:, 5].astype(np.int64))


def test_classes_do_not_suppress_each_other() -> None:
    box = [100.0, 100.0, 40.0, 40.0]
    output = np.array([box + [0.9, 0.1], box + [0.1, 0.8]], np.float32).T
    _, scores, ids = class_aware_nms(decode_yolo(output, 0.25), 0.45, 300)
    assert sorted(ids.tolist()) == [0, 1] and len(scores) == 2
