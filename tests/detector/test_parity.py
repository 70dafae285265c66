"""Our pipeline vs ultralytics' own predictor on the same ONNX file and the same real frames.

Done when: same number of boxes, each matched box IoU >= 0.99, confidence within 1e-3, same class.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from detector import Detection, OnnxDetector
from detector.weights import weights_dirs

pytestmark = pytest.mark.needs_shared
IOU_MIN, CONF_TOL = 0.99, 1e-3


def iou(a: np.ndarray, b: np.ndarray) -> float:
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return 1.0 if union <= 0 and inter == 0 and np.allclose(a, b) else inter / union


def assert_same(ours: tuple[Detection, ...], result: object, label: str) -> None:
    boxes = result.boxes  # type: ignore[attr-defined]
    ref_xyxy, ref_conf, ref_cls = boxes.xyxy.numpy(), boxes.conf.numpy(), boxes.cls.numpy().astype(int)
    assert len(ours) == len(ref_xyxy), f"{label}: {len(ours)} boxes vs ultralytics {len(ref_xyxy)}"
    unmatched = list(range(len(ref_xyxy)))
    for det in ours:
        box = np.asarray(det.xyxy_px)
        best = max(unmatched, key=lambda j: iou(box, ref_xyxy[j]))
        assert iou(box, ref_xyxy[best]) >= IOU_MIN, f"{label}: {det} has no IoU>={IOU_MIN} partner"
        assert abs(det.confidence - float(ref_conf[best])) <= CONF_TOL, f"{label}: confidence differs"
        assert det.class_id == ref_cls[best], f"{label}: class differs"
        unmatched.remove(best)


def _predict(model: object, image: np.ndarray, detector: OnnxDetector) -> object:
    s = detector.info.settings
    return model.predict(
        image,
        imgsz=list(detector.info.input_hw),
        conf=s.conf,
        iou=s.iou,  # type: ignore[attr-defined]
        max_det=s.max_det,
        device="cpu",
        verbose=False,
    )[0]


@pytest.mark.slow
@pytest.mark.parametrize("which", ["dynamic", "fixed"])
def test_parity_with_ultralytics(
    which: str, dynamic_onnx: Path, fixed_onnx: Path, dashcam_frames: list, mixed_frames: list
) -> None:
    from ultralytics import YOLO

    onnx = dynamic_onnx if which == "dynamic" else fixed_onnx
    detector = OnnxDetector.load(onnx, threads=2)
    reference = YOLO(str(onnx), task="detect")
    total = inside = 0
    for name, image in dashcam_frames + mixed_frames:
        ours = detector(image)
        assert_same(ours, _predict(reference, image, detector), f"{which}/{name}")
        height, width = image.shape[:2]
        total += len(ours)
        inside += sum(
            0 < d.xyxy_px[0] and 0 < d.xyxy_px[1] and d.xyxy_px[2] < width and d.xyxy_px[3] < height
            for d in ours
        )
    # Boxes clipped on all sides would hide a scaling error: most must lie inside the frame.
    assert total > 0 and inside >= total // 4, f"{inside}/{total} boxes inside the frame: test model too weak"


@pytest.mark.slow
def test_batch_equals_single_frames(
    dynamic_onnx: Path, fixed_onnx: Path, dashcam_frames: list, mixed_frames: list
) -> None:
    """detect_batch groups frames by canvas shape; results must equal one-at-a-time calls."""
    for onnx in (dynamic_onnx, fixed_onnx):
        detector = OnnxDetector.load(onnx, threads=2)
        images = [image for _, image in dashcam_frames + mixed_frames]
        batched = detector.detect_batch(images)
        for image, got in zip(images, batched, strict=True):
            single = detector(image)
            assert len(got) == len(single)
            for a, b in zip(got, single, strict=True):
                assert iou(np.asarray(a.xyxy_px), np.asarray(b.xyxy_px)) >= IOU_MIN
                assert abs(a.confidence - b.confidence) <= CONF_TOL


def _current_weights() -> Path | None:
    for folder in weights_dirs():
        manifest = folder / "current.json"
        if manifest.is_file():
            path = folder / json.loads(manifest.read_text())["onnx"]
            return path if path.is_file() else None
    return None


@pytest.mark.slow
def test_parity_on_published_weights(test_models: object, dashcam_frames: list, mixed_frames: list) -> None:
    """The same check on the project's trained model, once weights/current.json exists."""
    onnx = _current_weights()
    if onnx is None:
        pytest.skip("no weights/current.json yet")
    from ultralytics import YOLO

    loaded = OnnxDetector.load(onnx, threads=2)
    # Parity covers the whole-frame pipeline: ROI and tiles (if the card sets them) have no ultralytics twin.
    detector = loaded.with_settings(replace(loaded.settings, roi_xyxy_frac=None, tile_px=None))
    reference = YOLO(str(onnx), task="detect")
    for name, image in dashcam_frames + mixed_frames:
        assert_same(detector(image), _predict(reference, image, detector), f"current/{name}")
