"""Offline, seeded, resumable YOLO training: from a model .yaml (random init) or from a checkpoint.

The only module (with export/evaluate) that imports ultralytics and torch, and only inside functions,
so `pothole --help` stays fast and the API image never needs them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training.accelerator import Device, install_offline_amp_check, parse_device

DEFAULT_RUNS_DIR = Path(os.environ.get("POTHOLE_RUNS_DIR", Path.home() / ".cache" / "pothole-watch" / "runs"))
CACHE_MODES = ("ram", "disk", "none")
OPTIMIZERS = ("auto", "SGD", "MuSGD", "AdamW", "Adam", "Adamax", "NAdam", "RAdam", "RMSprop")


def default_workers() -> int:
    """Data-loader workers: the cores this process may use (ultralytics caps it by batch and CPUs)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """Everything a run depends on; recorded beside the run so a model card can name it.

    `start_from` is a `.pt` checkpoint: with no `model_yaml` the run continues that network (its
    architecture and weights); with a `model_yaml` it builds that architecture and transfers every layer
    whose name and shape match (e.g. a P2-head model started from a P3-P5 checkpoint).
    The optimiser fields left at None keep ultralytics' defaults.
    """

    data_yaml: Path
    model_yaml: str | None = "yolov8n.yaml"
    imgsz: int = 416
    epochs: int = 100
    batch: int = 16
    name: str = "pothole"
    seed: int = 0
    hours: float | None = None          # wall-clock budget: ultralytics fits its LR schedule to it
    workers: int = 2
    patience: int = 100
    validate_each_epoch: bool = False   # per-epoch val costs ~15 % on 2 cores; we evaluate after
    runs_dir: Path = DEFAULT_RUNS_DIR
    fraction: float = 1.0
    device: str = "cpu"
    cache: str = "none"
    start_from: Path | None = None
    optimizer: str = "auto"  # auto: MuSGD at 0.01 past 10,000 iterations, else AdamW at a fitted rate
    lr0: float | None = None
    lrf: float | None = None
    warmup_epochs: float | None = None
    close_mosaic: int | None = None
    deterministic: bool = True

    @property
    def parsed_device(self) -> Device:
        return parse_device(self.device)


def prepare_offline_environment(runs_dir: Path) -> None:
    """Keep ultralytics' settings inside our run folder and stop every network attempt."""
    settings_dir = runs_dir / "ultralytics-settings"
    settings_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("YOLO_CONFIG_DIR", str(settings_dir))
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("HUB_OFFLINE", "1")


def run_dir(config: TrainConfig) -> Path:
    return config.runs_dir / config.name


def train_arguments(config: TrainConfig) -> dict[str, Any]:
    """The keyword arguments `YOLO.train` receives for a new (not resumed) run."""
    device = config.parsed_device
    if config.start_from is None:
        pretrained: bool | str = False
    elif config.model_yaml is None:
        pretrained = True  # the loaded checkpoint's own weights
    else:
        pretrained = str(config.start_from)  # transferred into the new architecture
    arguments: dict[str, Any] = {
        "data": str(config.data_yaml), "imgsz": config.imgsz, "epochs": config.epochs, "batch": config.batch,
        "project": str(config.runs_dir), "name": config.name, "exist_ok": True, "seed": config.seed,
        "deterministic": config.deterministic, "workers": config.workers, "patience": config.patience,
        "val": config.validate_each_epoch, "plots": False, "amp": device.kind == "cuda",
        "device": device.ultralytics,
        "fraction": config.fraction, "pretrained": pretrained, "verbose": True,
        "cache": False if config.cache == "none" else config.cache, "optimizer": config.optimizer,
    }
    optional = {"time": config.hours, "lr0": config.lr0, "lrf": config.lrf,
                "warmup_epochs": config.warmup_epochs, "close_mosaic": config.close_mosaic}
    arguments.update({key: value for key, value in optional.items() if value is not None})
    return arguments


def build_model(config: TrainConfig) -> Any:
    """The ultralytics model a new run starts from (nothing is downloaded: a .yaml or a local .pt)."""
    from ultralytics import YOLO  # heavy: torch

    if config.start_from is not None and config.model_yaml is None:
        return YOLO(str(config.start_from))
    return YOLO(config.model_yaml or "yolov8n.yaml")


def describe_hardware(device: Device) -> dict[str, Any]:
    """What the run trains on, for the model card (a card must say what compute its numbers cost)."""
    import platform

    import torch

    facts: dict[str, Any] = {"device": device.ultralytics, "cpu_cores": default_workers(),
                             "torch": torch.__version__, "python": platform.python_version()}
    if device.kind == "cuda":
        facts["accelerator"] = ", ".join(torch.cuda.get_device_name(i) for i in device.indices)
    elif device.kind == "mps":
        facts["accelerator"] = "Apple MPS"
    else:
        facts["accelerator"] = f"CPU only ({platform.processor() or platform.machine()})"
    return facts


def train(config: TrainConfig, resume: bool = False) -> Path:
    """Train (or resume) and return the path of the best checkpoint."""
    prepare_offline_environment(config.runs_dir)
    install_offline_amp_check()
    from ultralytics import YOLO  # heavy: torch

    run_dir(config).mkdir(parents=True, exist_ok=True)
    (run_dir(config) / "hardware.json").write_text(json.dumps(describe_hardware(config.parsed_device)) + "\n")

    last_checkpoint = run_dir(config) / "weights" / "last.pt"
    if resume:
        if not last_checkpoint.exists():
            raise FileNotFoundError(f"--resume: no checkpoint at {last_checkpoint}")
        model = YOLO(str(last_checkpoint))
        checkpoint = getattr(model, "ckpt", None) or {}
        if checkpoint.get("optimizer") is None or checkpoint.get("epoch", -1) < 0:
            # ultralytics would silently start a NEW default run (100 epochs, in ./runs) instead
            raise ValueError(f"--resume: {last_checkpoint} is a finished run: nothing to resume")
        # Without `data`, ultralytics' Model.train fills in its demo dataset (coco8.yaml), which then
        # overrides the checkpoint's own data and tries to download it: pass the run's data back.
        data = checkpoint.get("train_args", {}).get("data")
        model.train(resume=True, **({"data": data} if data else {}))
    else:
        build_model(config).train(**train_arguments(config))
    best = run_dir(config) / "weights" / "best.pt"
    return best if best.exists() else last_checkpoint
