"""Offline, seeded, resumable YOLO training from a model .yaml (no pretrained checkpoint exists here).

The only module (with export/evaluate) that imports ultralytics and torch, and only inside functions,
so `pothole --help` stays fast and the API image never needs them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_RUNS_DIR = Path(os.environ.get("POTHOLE_RUNS_DIR", Path.home() / ".cache" / "pothole-watch" / "runs"))


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """Everything a run depends on; recorded beside the run so a model card can name it."""

    data_yaml: Path
    model_yaml: str = "yolov8n.yaml"
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


def prepare_offline_environment(runs_dir: Path) -> None:
    """Keep ultralytics' settings inside our run folder and stop every network attempt."""
    settings_dir = runs_dir / "ultralytics-settings"
    settings_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("YOLO_CONFIG_DIR", str(settings_dir))
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("HUB_OFFLINE", "1")


def run_dir(config: TrainConfig) -> Path:
    return config.runs_dir / config.name


def train(config: TrainConfig, resume: bool = False) -> Path:
    """Train (or resume) and return the path of the best checkpoint."""
    prepare_offline_environment(config.runs_dir)
    from ultralytics import YOLO  # heavy: torch

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
        model = YOLO(config.model_yaml)  # built from the .yaml: random init, nothing downloaded
        extra = {"time": config.hours} if config.hours else {}
        model.train(
            data=str(config.data_yaml), imgsz=config.imgsz, epochs=config.epochs, batch=config.batch,
            project=str(config.runs_dir), name=config.name, exist_ok=True, seed=config.seed,
            deterministic=True, workers=config.workers, patience=config.patience,
            val=config.validate_each_epoch, plots=False, amp=False, device=config.device,
            fraction=config.fraction, pretrained=False, verbose=True, **extra,
        )
    best = run_dir(config) / "weights" / "best.pt"
    return best if best.exists() else last_checkpoint
