"""The ML engineer's whole path on a tiny subset of both real datasets, in CI:
train 1 epoch -> export (parity-checked, INT8) -> load in detector/ -> evaluate -> promote into a weights dir.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import pothole_cli
from training.data import read_data_yaml, split_images
from training.parity import sample_images

pytestmark = pytest.mark.slow

SUBSET = {
    "chitholian-potholes": {"train": 5, "val": 2, "test": 2},
    "dnit-rs-es": {"train": 3, "val": 2, "test": 2},
}


def tiny_subset(shared_dir: Path, out: Path) -> list[Path]:
    """data.yaml files listing a few real images of each dataset (labels stay where they are)."""
    yamls = []
    for name, counts in SUBSET.items():
        config = read_data_yaml(shared_dir / "datasets" / name / "data.yaml")
        folder = out / name
        folder.mkdir(parents=True)
        data: dict[str, object] = {"path": str(folder), "names": {0: "pothole"}}
        for split, count in counts.items():
            images = sample_images(split_images(config, split), count)
            (folder / f"{split}.txt").write_text("\n".join(map(str, images)) + "\n")
            data[split] = f"{split}.txt"
        (folder / "data.yaml").write_text(yaml.safe_dump(data))
        yamls.append(folder / "data.yaml")
    return yamls


@pytest.fixture(scope="module")
def trained(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], Path]:
    work = tmp_path_factory.mktemp("e2e")
    yamls = tiny_subset(shared_dir, work / "data")
    runs = work / "runs"
    argv = [
        "train",
        *[a for y in yamls for a in ("--data", str(y))],
        "--model",
        "yolov8n.yaml",
        "--imgsz",
        "160",
        "--epochs",
        "1",
        "--batch",
        "4",
        "--name",
        "tiny",
        "--tile",
        "416",
        "--workers",
        "0",
        "--runs-dir",
        str(runs),
    ]
    assert pothole_cli.main(argv) == 0
    checkpoint = runs / "tiny" / "weights" / "best.pt"
    assert checkpoint.is_file()
    assert (runs / "tiny" / "command.txt").read_text().startswith("pothole train --data")
    return checkpoint, yamls, work


def test_train_export_evaluate_promote(trained, capsys: pytest.CaptureFixture[str]) -> None:
    from detector import OnnxDetector

    checkpoint, yamls, work = trained
    candidate = work / "out" / "candidate.onnx"
    assert (
        pothole_cli.main(["export", str(checkpoint), "--imgsz", "160", "--int8", "--out", str(candidate)])
        == 0
    )
    exported = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert exported["parity_agreement"] >= 0.95
    assert (work / "out" / "candidate-int8.onnx").is_file()

    detector = OnnxDetector.load(candidate)
    assert detector.info.input_hw == (160, 160)
    assert detector.info.model_id == exported["model_id"]
    settings = detector.settings
    assert (settings.tile_px, settings.tile_overlap_frac, settings.full_frame_pass) == (416, 0.2, True)
    assert 0.01 <= settings.conf <= 1.0  # chosen on val, stored in the model

    assert (
        pothole_cli.main(
            ["evaluate", "--weights", str(candidate), "--data", str(yamls[1]), "--split", "test", "--json"]
        )
        == 0
    )
    metrics = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(metrics) == {"map50", "map50_95", "precision", "recall", "f1", "conf", "images", "boxes"}
    assert metrics["images"] == 2 and metrics["conf"] == pytest.approx(settings.conf, abs=1e-4)

    weights = work / "weights"
    argv = [
        "promote",
        str(candidate),
        *[a for y in yamls for a in ("--data", str(y))],
        "--weights-dir",
        str(weights),
    ]
    assert pothole_cli.main(argv) == 0
    current = json.loads((weights / "current.json").read_text())
    model_id = exported["model_id"]
    assert current == {
        "model_id": model_id,
        "onnx": f"{model_id}.onnx",
        "int8": f"{model_id}-int8.onnx",
        "card": f"{model_id}.md",
    }
    card = (weights / f"{model_id}.md").read_text()
    for fact in (
        "ODbL",
        "MIT",
        "pothole train --data",
        "pothole export",
        "yolov8n.yaml",
        "imgsz 160",
        "chitholian-potholes",
        "dnit-rs-es",
        "ms",
        f"{model_id}-curves.png",
    ):
        assert fact in card, fact
    assert (weights / f"{model_id}-curves.png").stat().st_size > 1000
    assert OnnxDetector.load(weights / current["int8"]).info.model_id == f"{model_id}-int8"
    assert pothole_cli.main(argv) == 1  # the same model again: refused, nothing changes


def test_export_that_disagrees_is_refused_and_deleted(trained, monkeypatch: pytest.MonkeyPatch) -> None:
    import training.export as export_module
    from training.parity import ParityReport

    checkpoint, _, work = trained
    monkeypatch.setattr(export_module, "check_parity", lambda *a, **k: ParityReport(4, 0.25, 10, 10, 3, 4))
    out = work / "refused" / "bad.onnx"
    assert pothole_cli.main(["export", str(checkpoint), "--imgsz", "160", "--out", str(out)]) == 1
    assert not out.exists()


def test_resume_of_a_finished_run_is_refused(trained, capsys: pytest.CaptureFixture[str]) -> None:
    checkpoint, _, _ = trained
    runs = checkpoint.parent.parent.parent
    assert pothole_cli.main(["train", "--name", "tiny", "--resume", "--runs-dir", str(runs)]) == 2
    assert "nothing to resume" in capsys.readouterr().err
    assert {p.name for p in runs.iterdir()} <= {"tiny", "ultralytics-settings"}  # no new default run


def test_a_failed_int8_step_keeps_the_checked_fp32_export(
    trained, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import training.quantize as quantize_module

    def broken_quantizer(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("Incomplete symbolic shape inference")

    checkpoint, _, work = trained
    monkeypatch.setattr(quantize_module, "quantize_int8", broken_quantizer)
    out = work / "int8-fails" / "model.onnx"
    argv = ["export", str(checkpoint), "--imgsz", "160", "--int8", "--out", str(out)]
    assert pothole_cli.main(argv) == 1
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("pothole export: error: int8 refused") and "FP32 export is kept" in error
    assert out.is_file() and not (out.parent / "model-int8.onnx").exists()


def test_dynamic_export_quantizes_and_the_int8_copy_runs_any_shape(
    trained, capsys: pytest.CaptureFixture[str]
) -> None:
    import numpy as np

    from detector import OnnxDetector

    checkpoint, _, work = trained
    out = work / "dynamic" / "model.onnx"
    argv = ["export", str(checkpoint), "--imgsz", "160", "--dynamic", "--int8", "--out", str(out)]
    assert pothole_cli.main(argv) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    int8 = OnnxDetector.load(result["int8"])
    assert int8.info.dynamic
    for height, width in ((160, 160), (360, 640), (1080, 1920)):
        (detections,) = int8.detect_batch([np.full((height, width, 3), 114, np.uint8)])
        assert isinstance(detections, tuple)


def test_a_tile_and_whole_frame_pair_is_promoted_as_one(
    trained, capsys: pytest.CaptureFixture[str]
) -> None:
    from detector import PairedDetector
    from training.promote import load_entry

    checkpoint, yamls, work = trained
    out = work / "pair"
    argv = ["export", str(checkpoint), "--imgsz", "160", "--int8", "--out", str(out / "tiles.onnx")]
    assert pothole_cli.main(argv) == 0
    argv = ["export", str(checkpoint), "--imgsz", "160", "--tile-px", "0", "--model-id", "whole-1",
            "--out", str(out / "whole.onnx")]
    assert pothole_cli.main(argv) == 0
    capsys.readouterr()
    weights = work / "pair-weights"
    data = [a for y in yamls for a in ("--data", str(y))]
    argv = ["promote", str(out / "tiles.onnx"), "--companion", str(out / "whole.onnx"), *data,
            "--weights-dir", str(weights)]
    assert pothole_cli.main(argv) == 0
    current = json.loads((weights / "current.json").read_text())
    assert current["companion"] == {"onnx": "whole-1.onnx", "int8": None}
    assert 0.0 <= current["pair_conf"] <= 1.0 and current["model_id"].split("-")[2] == "pair"
    assert all((weights / name).is_file() for name in (current["onnx"], current["int8"], "whole-1.onnx"))
    pair = load_entry(weights, current)
    assert isinstance(pair, PairedDetector) and pair.settings.conf == current["pair_conf"]
    card = (weights / current["card"]).read_text()
    assert "whole-frame companion `whole-1`" in card and f"confidence {current['pair_conf']}" in card
    assert "1920x1080 frame" in card
    assert "/work/" not in card and str(Path.home()) not in card  # no machine's paths in a card
    argv = ["evaluate", "--weights", str(weights / current["onnx"]), "--companion",
            str(weights / "whole-1.onnx"), "--data", str(yamls[1]), "--split", "val", "--json",
            "--conf", str(current["pair_conf"])]
    assert pothole_cli.main(argv) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["images"] == 2
