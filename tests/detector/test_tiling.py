"""ROI and tiles: window planning, merging across seams, and tiled inference on a real frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detector import InferenceSettings, OnnxDetector
from detector.tiling import Window, merge_windows, plan_windows, roi_window_px, tile_starts


def decoded(*rows: tuple[float, float, float, float, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    array = np.array(rows, np.float32).reshape(-1, 5)
    return array[:, :4], array[:, 4], np.zeros(len(array), np.int64)


@pytest.mark.parametrize(
    ("length", "tile", "overlap", "starts"),
    [
        (640, 640, 0.2, [0]),
        (500, 640, 0.2, [0]),
        (1920, 640, 0.2, [0, 427, 853, 1280]),
        (1080, 640, 0.2, [0, 440]),
    ],
    ids=["exact", "shorter", "1080p-wide", "1080p-tall"],
)
def test_tile_starts(length: int, tile: int, overlap: float, starts: list[int]) -> None:
    got = tile_starts(length, tile, overlap)
    assert got == starts
    assert got[-1] + min(tile, length) == length  # the last tile ends on the edge
    assert all(b - a <= tile * (1 - overlap) + 1 for a, b in zip(got, got[1:], strict=False))


def test_roi_window() -> None:
    assert roi_window_px((1080, 1920), None) == Window(0, 0, 1920, 1080, "full")
    assert roi_window_px((1080, 1920), (0.0, 0.3, 1.0, 1.0)) == Window(0, 324, 1920, 1080, "full")


def test_plan_windows_tiles_cover_the_roi() -> None:
    settings = InferenceSettings(roi_xyxy_frac=(0, 0.4, 1, 1), tile_px=640)
    windows = plan_windows((1080, 1920), settings)
    tiles, full = [w for w in windows if w.kind == "tile"], [w for w in windows if w.kind == "full"]
    assert full == [Window(0, 432, 1920, 1080, "full")]
    assert len(tiles) == 4 and all(w.y0_px == 432 and w.y1_px == 1080 for w in tiles)  # 648 px: one row
    covered = np.zeros((1080, 1920), bool)
    for w in tiles:
        covered[w.y0_px : w.y1_px, w.x0_px : w.x1_px] = True
    assert covered[432:].all() and not covered[:432].any()
    no_full = plan_windows((1080, 1920), InferenceSettings(tile_px=640, full_frame_pass=False))
    assert all(w.kind == "tile" for w in no_full)


def test_seam_cut_pothole_becomes_one_box() -> None:
    """Two tiles overlap on x in [512, 640); a pothole from x=450 to 700 is cut by both tile edges."""
    windows = [Window(0, 0, 640, 640), Window(512, 0, 1152, 640)]
    left = decoded((450, 300, 640, 380, 0.7))  # truncated at the left tile's right edge
    right = decoded((512, 302, 700, 381, 0.8))  # truncated at the right tile's left edge
    xyxy, scores, _ = merge_windows([left, right], windows, iou=0.45, max_det=300)
    assert len(scores) == 1
    np.testing.assert_allclose(xyxy[0], [450, 300, 700, 381])
    assert scores[0] == pytest.approx(0.8)


def test_tile_and_full_pass_duplicates_merge() -> None:
    windows = [Window(0, 0, 640, 640), Window(0, 0, 1920, 1080, "full")]
    tile = decoded((100, 100, 160, 150, 0.6))
    full = decoded((98, 97, 175, 152, 0.9))
    xyxy, scores, _ = merge_windows([tile, full], windows, iou=0.45, max_det=300)
    assert len(scores) == 1 and scores[0] == pytest.approx(0.9)
    np.testing.assert_allclose(xyxy[0], [98, 97, 175, 152])


def test_separate_potholes_stay_separate() -> None:
    windows = [Window(0, 0, 640, 640), Window(512, 0, 1152, 640)]
    a = decoded((100, 100, 200, 160, 0.7))
    b = decoded((900, 100, 1000, 160, 0.8), (560, 400, 600, 430, 0.5))
    xyxy, scores, _ = merge_windows([a, b], windows, iou=0.45, max_det=300)
    assert len(scores) == 3 and scores.tolist() == sorted(scores.tolist(), reverse=True)


def test_merge_with_nothing() -> None:
    empty = decoded()
    xyxy, scores, ids = merge_windows([empty, empty], [Window(0, 0, 10, 10)] * 2, iou=0.45, max_det=300)
    assert xyxy.shape == (0, 4) and scores.size == 0 and ids.size == 0


def test_tiled_and_roi_inference_on_a_real_frame(dynamic_onnx: Path, dashcam_frames: list) -> None:
    import cv2

    _, image = dashcam_frames[0]
    frame = cv2.resize(image, (1920, 1080))
    base = OnnxDetector.load(dynamic_onnx, threads=2)
    roi = base.with_settings(InferenceSettings(roi_xyxy_frac=(0, 0.5, 1, 1)))
    for det in roi(frame):
        assert det.xyxy_px[1] >= 540 - 1e-3 and det.xyxy_px[3] <= 1080
    tiled = base.with_settings(InferenceSettings(tile_px=640, roi_xyxy_frac=(0, 0.4, 1, 1)))
    detections = tiled(frame)
    assert detections
    for det in detections:
        x1, y1, x2, y2 = det.xyxy_px
        assert 0 <= x1 <= x2 <= 1920 and 432 <= y1 <= y2 <= 1080


def _pieces(
    box: np.ndarray, windows: list[Window], seed: int
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """What each window would see of one pothole: the box clipped to the window (nothing if outside)."""
    rng = np.random.default_rng(seed)
    per_window = []
    for w in windows:
        x1, y1 = max(box[0], w.x0_px), max(box[1], w.y0_px)
        x2, y2 = min(box[2], w.x1_px), min(box[3], w.y1_px)
        if x2 - x1 >= 1 and y2 - y1 >= 1:
            per_window.append(decoded((x1, y1, x2, y2, float(rng.uniform(0.3, 0.9)))))
        else:
            per_window.append(decoded())
    return per_window


@settings(max_examples=200, deadline=None)
@given(
    x=st.floats(0, 1900),
    y=st.floats(0, 1060),
    w=st.floats(8, 1500),
    h=st.floats(8, 1000),
    full_pass=st.booleans(),
    seed=st.integers(0, 99),
)
def test_one_pothole_stays_one_box_across_seams(
    x: float, y: float, w: float, h: float, full_pass: bool, seed: int
) -> None:
    """With the full pass, any pothole merges back to one box; without it, any pothole that fits in
    the tile overlap (200 px here) does."""
    box = np.array([x, y, min(x + w, 1920), min(y + h, 1080)], np.float32)
    if not full_pass and (box[2] - box[0] > 200 or box[3] - box[1] > 200):
        return
    windows = plan_windows((1080, 1920), InferenceSettings(tile_px=640, full_frame_pass=full_pass))
    per_window = _pieces(box, windows, seed)
    xyxy, scores, _ = merge_windows(per_window, windows, iou=0.45, max_det=300)
    assert len(scores) == 1
    np.testing.assert_allclose(xyxy[0], box, atol=1e-3)
    assert scores[0] == max(s for _, piece, _ in per_window for s in piece)


def test_weak_boxes_do_not_chain_into_a_frame_sized_box() -> None:
    """Low-confidence boxes overlapping one another across windows must not fuse transitively."""
    windows = [Window(0, 0, 640, 640), Window(512, 0, 1152, 640), Window(0, 0, 1920, 1080, "full")]
    confident = decoded((100, 100, 160, 150, 0.9))
    weak_chain = decoded(*[(x, 100, x + 120, 150, 0.01) for x in range(150, 600, 90)])
    huge_weak = decoded((0, 0, 1900, 1000, 0.02))
    xyxy, scores, _ = merge_windows([confident, weak_chain, huge_weak], windows, iou=0.45, max_det=300)
    widths = xyxy[:, 2] - xyxy[:, 0]
    top = int(np.argmax(scores))
    np.testing.assert_allclose(xyxy[top], [100, 100, 160, 150])  # the pothole kept its own box
    assert widths.max() <= 1900 and (widths < 400).sum() >= 2


def test_small_frames_run_whole_and_large_frames_shrink_before_tiling() -> None:
    from detector.tiling import tiling_scale

    survey = InferenceSettings(tile_px=416, tile_min_long_side_px=832, tile_frame_long_side_px=1024)
    assert plan_windows((720, 720), survey) == [Window(0, 0, 720, 720, "full")]
    assert len(plan_windows((640, 1024), survey)) == 6 + 1  # 3x2 tiles and the full pass
    assert tiling_scale((1080, 1920), survey) == pytest.approx(1024 / 1920)
    assert tiling_scale((640, 1024), survey) == 1.0
