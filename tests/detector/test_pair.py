"""A tile model and a whole-frame model as one detector: exactly the union of both, merged like tiles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from detector import InferenceSettings, OnnxDetector
from detector.pair import PairedDetector
from detector.tiling import merge_windows


def _models(dynamic_onnx: Path, fixed_onnx: Path) -> tuple[OnnxDetector, OnnxDetector]:
    tiles = OnnxDetector.load(dynamic_onnx, settings=InferenceSettings(conf=0.3, tile_px=320))
    whole = OnnxDetector.load(fixed_onnx, settings=InferenceSettings(conf=0.9))
    return tiles, whole


def test_the_pair_is_the_tile_windows_plus_one_whole_frame_pass(
    dynamic_onnx: Path, fixed_onnx: Path, dashcam_frames: list
) -> None:
    tiles, whole = _models(dynamic_onnx, fixed_onnx)
    pair = PairedDetector(tiles, whole)
    _, frame = dashcam_frames[0]
    windows, per_window = pair.window_detections(frame)
    tile_windows, tile_boxes = tiles.window_detections(
        frame, settings=tiles.settings.with_overrides(full_frame_pass=False)
    )
    assert windows[:-1] == tile_windows and windows[-1].kind == "full"
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(per_window[:-1], tile_boxes, strict=True))
    # the whole-frame model runs at the pair's confidence, not its own 0.9
    (alone,) = whole.with_settings(whole.settings.with_overrides(conf=0.3)).infer_arrays([frame])
    assert np.allclose(per_window[-1][0], alone[0]) and len(alone[1]) > 0
    merged = merge_windows(per_window, windows, iou=0.45, max_det=300)
    detections = pair(frame)
    assert len(detections) == len(merged[1]) > 0
    assert [d.confidence for d in detections] == pytest.approx(merged[1].tolist())


def test_the_whole_frame_pass_keeps_to_the_roi(dynamic_onnx: Path, fixed_onnx: Path, dashcam_frames) -> None:
    tiles, whole = _models(dynamic_onnx, fixed_onnx)
    roi = (0.0, 0.5, 1.0, 1.0)
    pair = PairedDetector(tiles, whole, tiles.settings.with_overrides(roi_xyxy_frac=roi))
    _, frame = dashcam_frames[1]
    windows, per_window = pair.window_detections(frame)
    assert windows[-1].y0_px == frame.shape[0] // 2
    assert (per_window[-1][0][:, [1, 3]] >= windows[-1].y0_px - 1e-3).all()


def test_a_tile_model_without_tiles_is_refused(dynamic_onnx: Path, fixed_onnx: Path) -> None:
    whole = OnnxDetector.load(fixed_onnx)
    with pytest.raises(ValueError, match="tile_px"):
        PairedDetector(whole, whole)
