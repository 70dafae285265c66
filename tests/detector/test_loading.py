"""What is in service loads the same everywhere: one model, or the tile + whole-frame pair in current.json."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import onnx
import pytest

from detector import InferenceSettings, OnnxDetector, PairedDetector, WeightsNotFoundError, load_detector


def _with_settings(source: Path, target: Path, settings: InferenceSettings, model_id: str) -> Path:
    model = onnx.load(str(source))
    values = {"pothole_settings": settings.to_json(), "pothole_model_id": model_id}
    kept = [p for p in model.metadata_props if p.key not in values]
    del model.metadata_props[:]
    model.metadata_props.extend(kept)
    for key, value in values.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, str(target))
    return target


@pytest.fixture
def weights(tmp_path: Path, dynamic_onnx: Path, fixed_onnx: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "weights"
    folder.mkdir()
    _with_settings(dynamic_onnx, folder / "tiles.onnx", InferenceSettings(conf=0.5, tile_px=320), "tiles")
    _with_settings(dynamic_onnx, folder / "tiles-int8.onnx", InferenceSettings(conf=0.5, tile_px=320), "t8")
    shutil.copy(fixed_onnx, folder / "whole.onnx")
    monkeypatch.delenv("POTHOLE_WEIGHTS", raising=False)
    monkeypatch.setattr("detector.weights.weights_dirs", lambda: (folder,))
    return folder


def _manifest(folder: Path, **extra: object) -> None:
    entry = {"model_id": "pw-pair", "onnx": "tiles.onnx", "int8": "tiles-int8.onnx", "card": "c.md", **extra}
    (folder / "current.json").write_text(json.dumps(entry))


def test_a_single_model_in_service_loads_as_one(weights: Path) -> None:
    _manifest(weights)
    detector = load_detector()
    assert isinstance(detector, OnnxDetector) and detector.info.model_id == "tiles"
    assert load_detector(int8=True).info.model_id == "t8"


def test_a_pair_in_service_loads_as_a_pair_with_its_own_confidence(weights: Path, dashcam_frames) -> None:
    _manifest(weights, companion={"onnx": "whole.onnx"}, pair_conf=0.3)
    detector = load_detector()
    assert isinstance(detector, PairedDetector)
    assert detector.info.model_id == "pw-pair" and detector.settings.conf == 0.3
    assert detector.settings.tile_px == 320
    assert load_detector(int8=True).tiles.info.model_id == "t8"  # the companion has no INT8: FP32 it is
    _, frame = dashcam_frames[0]
    assert all(d.confidence >= 0.3 for d in detector(frame))


def test_an_explicit_file_is_that_one_model(weights: Path) -> None:
    _manifest(weights, companion={"onnx": "whole.onnx"}, pair_conf=0.3)
    assert isinstance(load_detector(weights / "whole.onnx"), OnnxDetector)


@pytest.mark.parametrize(
    "extra",
    [{"companion": {"onnx": "whole.onnx"}}, {"companion": {"onnx": "gone.onnx"}, "pair_conf": 0.3},
     {"companion": {"onnx": "whole.onnx"}, "pair_conf": 3}],
)
def test_a_broken_pair_manifest_is_refused(weights: Path, extra: dict) -> None:
    _manifest(weights, **extra)
    with pytest.raises(WeightsNotFoundError, match="current.json"):
        load_detector()
