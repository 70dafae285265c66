"""Loading: metadata, settings that travel with the model, providers, fixed/dynamic inputs, bad files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from detector import InferenceSettings, ModelLoadError, OnnxDetector
from detector.onnx_runtime import resolve_providers


def with_metadata(source: Path, target: Path, **entries: str) -> Path:
    onnx = pytest.importorskip("onnx")
    model = onnx.load(str(source))
    for key, value in entries.items():
        model.metadata_props.add(key=key, value=value)
    onnx.save(model, str(target))
    return target


def test_info_from_metadata(dynamic_onnx: Path, fixed_onnx: Path) -> None:
    dynamic, fixed = OnnxDetector.load(dynamic_onnx).info, OnnxDetector.load(fixed_onnx).info
    assert dynamic.class_names == ("pothole",) and dynamic.stride == 32
    assert dynamic.dynamic and dynamic.batch is None and dynamic.input_hw == (320, 320)
    assert not fixed.dynamic and fixed.batch == 1 and fixed.input_hw == (320, 320)
    assert dynamic.model_id == "tiny-dynamic" and dynamic.settings == InferenceSettings()


def test_settings_and_model_id_travel_in_metadata(dynamic_onnx: Path, tmp_path: Path) -> None:
    stored = InferenceSettings(conf=0.4, iou=0.5, roi_xyxy_frac=(0, 0.3, 1, 1), tile_px=640)
    path = with_metadata(
        dynamic_onnx,
        tmp_path / "m.onnx",
        pothole_settings=stored.to_json(),
        pothole_model_id="pw-20261125-test",
    )
    detector = OnnxDetector.load(path)
    assert detector.info.settings == stored and detector.info.model_id == "pw-20261125-test"
    explicit = InferenceSettings(conf=0.6)
    assert OnnxDetector.load(path, settings=explicit).settings == explicit  # explicit arguments win
    assert detector.settings.with_overrides(conf=0.1, iou=None).conf == 0.1


def test_python_literal_settings_are_read_safely(dynamic_onnx: Path, tmp_path: Path) -> None:
    path = with_metadata(dynamic_onnx, tmp_path / "m.onnx", pothole_settings="{'conf': 0.3, 'future_key': 1}")
    assert OnnxDetector.load(path).settings.conf == 0.3


def test_bad_settings_metadata_is_a_load_error(dynamic_onnx: Path, tmp_path: Path) -> None:
    path = with_metadata(dynamic_onnx, tmp_path / "m.onnx", pothole_settings=json.dumps({"conf": 3}))
    with pytest.raises(ModelLoadError, match="pothole_settings"):
        OnnxDetector.load(path)


def test_not_onnx_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.onnx"
    path.write_text("hello")
    with pytest.raises(ModelLoadError, match="not a loadable ONNX model"):
        OnnxDetector.load(path)


def test_onnx_without_yolo_metadata(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Identity", ["images"], ["output0"])],
        "g",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 3, 32, 32])],
    )
    path = tmp_path / "identity.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    with pytest.raises(ModelLoadError, match="not a YOLO detection model"):
        OnnxDetector.load(path)


def test_missing_model_file(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="no such model file"):
        OnnxDetector.load(tmp_path / "nope.onnx")


def test_providers() -> None:
    available = ["CUDAExecutionProvider", "CPUExecutionProvider"]
    assert resolve_providers(None, available) == ["CPUExecutionProvider"]
    assert resolve_providers("auto", available) == ["CUDAExecutionProvider", "CPUExecutionProvider"]
    assert resolve_providers("cuda", available) == ["CUDAExecutionProvider", "CPUExecutionProvider"]
    with pytest.raises(ModelLoadError, match="TensorrtExecutionProvider"):
        resolve_providers(["tensorrt"], available)


def test_threads_and_bad_image(dynamic_onnx: Path) -> None:
    detector = OnnxDetector.load(dynamic_onnx, threads=1)
    assert isinstance(detector(np.full((48, 64, 3), 114, np.uint8)), tuple)  # a tiny frame still runs
    with pytest.raises(ValueError, match="HxWx3 uint8"):
        detector(np.zeros((10, 10), np.uint8))
    with pytest.raises(ModelLoadError, match="threads"):
        OnnxDetector.load(dynamic_onnx, threads=0)


def test_detections_are_in_frame_pixels(dynamic_onnx: Path, dashcam_frames: list) -> None:
    detector = OnnxDetector.load(dynamic_onnx, threads=2)
    name, image = dashcam_frames[0]
    height, width = image.shape[:2]
    detections = detector(image)
    assert detections, f"{name}: expected boxes from the test model"
    for det in detections:
        x1, y1, x2, y2 = det.xyxy_px
        assert 0 <= x1 <= x2 <= width and 0 <= y1 <= y2 <= height
        assert det.confidence > detector.settings.conf and det.class_name == "pothole"
    assert [d.confidence for d in detections] == sorted((d.confidence for d in detections), reverse=True)


def test_bound_model_runs_match_plain_runs(dynamic_onnx: Path) -> None:
    """run_model's reused output buffer holds each run's own result, whatever ran before it."""
    import onnxruntime as ort

    detector = OnnxDetector.load(dynamic_onnx, threads=1)
    plain = ort.InferenceSession(str(dynamic_onnx), providers=["CPUExecutionProvider"])
    input_name = plain.get_inputs()[0].name
    rng = np.random.default_rng(3)
    shapes = [(1, 3, 320, 320), (1, 3, 192, 320), (2, 3, 320, 320), (1, 3, 320, 320), (1, 3, 192, 320)]
    buffers: dict[tuple[int, ...], np.ndarray] = {}
    for shape in shapes * 2:
        tensor = rng.random(shape, dtype=np.float32)
        output = detector.run_model(tensor)
        expected = plain.run(None, {input_name: tensor})[0]
        np.testing.assert_allclose(output, expected, rtol=1e-5, atol=1e-5)
        assert buffers.setdefault(shape, output) is output  # one buffer per shape, reused


def test_threads_share_a_detector(dynamic_onnx: Path, dashcam_frames: list) -> None:
    """Each thread has its own canvases, tensors and output buffers: concurrent calls do not mix frames."""
    from concurrent.futures import ThreadPoolExecutor

    detector = OnnxDetector.load(dynamic_onnx, threads=1)
    images = [image for _, image in dashcam_frames[:4]] * 3
    sequential = [detector(image) for image in images]
    with ThreadPoolExecutor(max_workers=3) as pool:
        concurrent = list(pool.map(detector, images))
    assert any(sequential)
    assert concurrent == sequential  # same session, same input: the very same detections
