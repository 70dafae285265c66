"""`pothole train` on any device: parsing and refusal, what reaches ultralytics, starting from a checkpoint.

Runs on CPU: ultralytics' `train` is replaced by a recorder where only the arguments matter, and the
`--from` test loads a real checkpoint from ../shared/models.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import pothole_cli
from training.accelerator import Device, DeviceError, parse_device, require_device


@pytest.mark.parametrize(
    ("text", "device"),
    [
        ("cpu", Device("cpu")),
        ("CPU", Device("cpu")),
        ("mps", Device("mps")),
        ("0", Device("cuda", (0,))),
        ("0,1", Device("cuda", (0, 1))),
        ("cuda:0", Device("cuda", (0,))),
        ("cuda", Device("cuda", (0,))),
    ],
)
def test_device_spellings(text: str, device: Device) -> None:
    assert parse_device(text) == device


@pytest.mark.parametrize("text", ["gpu", "cuda:", "-1", "0;1", "", "tpu:0"])
def test_unknown_device_spellings_are_refused(text: str) -> None:
    with pytest.raises(DeviceError, match="--device"):
        parse_device(text)


def test_ultralytics_spelling() -> None:
    assert parse_device("cuda:1").ultralytics == "1"
    assert parse_device("0,1").ultralytics == "0,1"
    assert parse_device("cpu").ultralytics == "cpu"


def test_a_missing_gpu_is_one_line_and_exit_2_never_a_cpu_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import training.accelerator as accelerator
    import training.train as train_module

    monkeypatch.setattr(accelerator, "available_cuda_devices", lambda: 1)
    assert require_device("cuda:0") == Device("cuda", (0,))
    with pytest.raises(DeviceError, match="1 CUDA device"):
        require_device("1")
    monkeypatch.setattr(accelerator, "available_cuda_devices", lambda: 0)
    monkeypatch.setattr(accelerator, "mps_available", lambda: False)
    ran: list[Any] = []
    monkeypatch.setattr(train_module, "train", lambda *a, **k: ran.append(a))
    data = tmp_path / "d.yaml"
    data.write_text("path: .\ntrain: images\nval: images\nnames: {0: pothole}\n")
    for device in ("0", "cuda:0", "mps"):
        assert pothole_cli.main(["train", "--data", str(data), "--device", device]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("pothole train: error: --device")
    assert not ran


class RecordingModel:
    """Stands in for ultralytics.YOLO: remembers what it was built from and the train() arguments."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.arguments: dict[str, Any] = {}

    def train(self, **arguments: Any) -> None:
        self.arguments = arguments


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch, make_dataset, tmp_path: Path):
    import training.train as train_module

    built: list[RecordingModel] = []

    def build(config: train_module.TrainConfig) -> RecordingModel:
        source = str(config.start_from) if config.start_from and not config.model_yaml else config.model_yaml
        built.append(RecordingModel(str(source)))
        return built[-1]

    monkeypatch.setattr(train_module, "build_model", build)
    monkeypatch.setattr(train_module, "install_offline_amp_check", lambda: None)
    data = make_dataset({"train": {"a": "0 0.5 0.5 0.2 0.2\n"}, "val": {"b": None}})
    checkpoint = tmp_path / "start.pt"
    checkpoint.write_bytes(b"not read by the recorder")

    def run(*options: str) -> RecordingModel:
        argv = ["train", "--data", str(data), "--runs-dir", str(tmp_path / "runs"), *options]
        assert pothole_cli.main(argv) == 0
        return built[-1]

    return run, checkpoint


def test_options_reach_ultralytics(recorded) -> None:
    run, checkpoint = recorded
    model = run("--from", str(checkpoint), "--optimizer", "SGD", "--lr0", "0.002", "--lrf", "0.1",
                "--warmup-epochs", "0", "--close-mosaic", "10", "--cache", "ram", "--workers", "3",
                "--hours", "0.5", "--batch", "64", "--no-deterministic", "--name", "cont")
    assert model.source == str(checkpoint.resolve())
    arguments = model.arguments
    expected = {"optimizer": "SGD", "lr0": 0.002, "lrf": 0.1, "warmup_epochs": 0.0, "close_mosaic": 10,
                "cache": "ram", "workers": 3, "time": 0.5, "batch": 64, "deterministic": False,
                "pretrained": True, "device": "cpu", "amp": False, "name": "cont"}
    assert {key: arguments[key] for key in expected} == expected


def test_defaults_use_every_core_and_no_cache(recorded) -> None:
    from training.train import default_workers

    run, _ = recorded
    arguments = run().arguments
    assert arguments["workers"] == default_workers() >= 1
    assert arguments["cache"] is False and arguments["pretrained"] is False
    assert "lr0" not in arguments and "time" not in arguments


def test_from_with_another_architecture_transfers_the_checkpoint(recorded) -> None:
    run, checkpoint = recorded
    model = run("--from", str(checkpoint), "--model", "yolov8n-p2.yaml")
    assert model.source == "yolov8n-p2.yaml"
    assert model.arguments["pretrained"] == str(checkpoint.resolve())


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (["--lr0", "0.002"], "--lr0 needs --optimizer"),
        (["--optimizer", "Lion"], "--optimizer"),
        (["--cache", "gpu"], "--cache"),
        (["--warmup-epochs", "-1"], "--warmup-epochs"),
        (["--from", "missing.pt"], "--from"),
        (["--hours", "0"], "--hours"),
    ],
)
def test_bad_options_are_one_line(recorded, capsys, options: list[str], named: str, tmp_path: Path) -> None:
    run, _ = recorded
    data = next(tmp_path.rglob("data.yaml"))
    assert pothole_cli.main(["train", "--data", str(data), *options]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and named in err[0]


@pytest.mark.needs_shared
def test_from_loads_the_checkpoints_weights(shared_dir: Path, tmp_path: Path) -> None:
    import torch

    from training.train import TrainConfig, build_model, prepare_offline_environment

    checkpoint = shared_dir / "models" / "gpu-v8n-416-tiles.pt"
    if not checkpoint.is_file():
        pytest.skip("no shared checkpoint")
    prepare_offline_environment(tmp_path)
    model = build_model(TrainConfig(data_yaml=tmp_path / "d.yaml", model_yaml=None, start_from=checkpoint))
    stored = torch.load(checkpoint, map_location="cpu", weights_only=False)["model"].float().state_dict()
    loaded = model.model.float().state_dict()
    assert stored.keys() == loaded.keys()
    assert all(torch.equal(stored[key], loaded[key]) for key in stored)
    scratch = build_model(TrainConfig(data_yaml=tmp_path / "d.yaml", model_yaml="yolov8n.yaml"))
    weight = next(key for key in stored if key.endswith("conv.weight"))
    assert not torch.equal(scratch.model.float().state_dict()[weight], stored[weight])


def test_the_amp_check_is_offline_and_false_on_cpu() -> None:
    import torch
    from ultralytics.engine import trainer

    from training.accelerator import install_offline_amp_check, offline_amp_check

    install_offline_amp_check()
    assert trainer.check_amp is offline_amp_check
    assert offline_amp_check(torch.nn.Conv2d(3, 4, 3)) is False
