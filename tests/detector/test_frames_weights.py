"""Source expansion, frame iteration, overlays and default-weights resolution."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from detector import Detection, Frame, SkippedSource, SourceNotFoundError, WeightsNotFoundError, iter_frames
from detector.draw import draw_detections
from detector.errors import FrameDecodeError
from detector.frames import decode_image, expand_sources
from detector.weights import current_weights_path


def test_expand_sources(tmp_path: Path) -> None:
    for name in ("b.jpg", "a.png", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in expand_sources([tmp_path])] == ["a.png", "b.jpg"]
    assert [p.name for p in expand_sources([str(tmp_path / "*.jpg")])] == ["b.jpg"]
    with pytest.raises(SourceNotFoundError, match="glob matches no files"):
        expand_sources([str(tmp_path / "*.bmp")])
    with pytest.raises(SourceNotFoundError, match="no such file"):
        expand_sources([tmp_path / "missing.jpg"])


def test_iter_frames_skips_undecodable(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "ok.png"), np.zeros((8, 8, 3), np.uint8))
    (tmp_path / "bad.png").write_bytes(b"nope")
    items = list(iter_frames([tmp_path]))
    assert isinstance(items[0], SkippedSource) and items[0].source.endswith("bad.png")
    assert isinstance(items[1], Frame) and items[1].timestamp_s is None and items[1].image.shape == (8, 8, 3)
    with pytest.raises(ValueError, match="every_n"):
        list(iter_frames([tmp_path], every_n=0))


def test_decode_image_bytes() -> None:
    ok, encoded = cv2.imencode(".jpg", np.full((20, 30, 3), 200, np.uint8))
    assert ok and decode_image(encoded.tobytes()).shape == (20, 30, 3)
    with pytest.raises(FrameDecodeError, match="upload.jpg: 3 bytes"):
        decode_image(b"abc", name="upload.jpg")
    with pytest.raises(FrameDecodeError):
        decode_image(b"")


def test_draw_does_not_modify_input() -> None:
    image = np.zeros((100, 200, 3), np.uint8)
    out = draw_detections(image, [Detection((10.0, 10.0, 80.0, 60.0), 0.87)])
    assert image.sum() == 0 and out.sum() > 0


def test_detection_validates() -> None:
    with pytest.raises(ValueError, match="xyxy_px"):
        Detection((10.0, 10.0, 5.0, 20.0), 0.5)
    with pytest.raises(ValueError, match="confidence"):
        Detection((0.0, 0.0, 1.0, 1.0), 1.5)


def test_weights_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = tmp_path / "m.onnx"
    model.write_bytes(b"x")
    monkeypatch.setenv("POTHOLE_WEIGHTS", str(model))
    assert current_weights_path() == model
    monkeypatch.setenv("POTHOLE_WEIGHTS", str(tmp_path / "gone.onnx"))
    with pytest.raises(WeightsNotFoundError, match="POTHOLE_WEIGHTS"):
        current_weights_path()


def test_current_json_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POTHOLE_WEIGHTS", raising=False)
    weights = tmp_path / "weights"
    weights.mkdir()
    (weights / "pw-1.onnx").write_bytes(b"x")
    (weights / "pw-1-int8.onnx").write_bytes(b"x")
    (weights / "current.json").write_text(
        json.dumps({"model_id": "pw-1", "onnx": "pw-1.onnx", "int8": "pw-1-int8.onnx", "card": "pw-1.md"})
    )
    monkeypatch.setattr("detector.weights.weights_dirs", lambda: (weights,))
    assert current_weights_path() == weights / "pw-1.onnx"
    assert current_weights_path(int8=True) == weights / "pw-1-int8.onnx"
    (weights / "current.json").write_text(json.dumps({"onnx": "pw-2.onnx"}))
    with pytest.raises(WeightsNotFoundError, match="pw-2.onnx"):
        current_weights_path()
    monkeypatch.setattr("detector.weights.weights_dirs", lambda: (tmp_path / "empty",))
    with pytest.raises(WeightsNotFoundError, match="--weights"):
        current_weights_path()
