"""A tiny YOLOv8n detection model for the tests, built offline from `yolov8n.yaml` and exported to ONNX.

An untrained YOLOv8n scores every anchor ~1e-4 with no spread, so no threshold gives a meaningful test.
One epoch on 16 real dnit-rs-es frames gives input-dependent scores (still only ~1e-3..1e-2); shifting
the class-logit bias by +5 then puts them around 0.1..0.7, so conf=0.25 keeps tens of overlapping,
image-dependent boxes per frame: a real workload for decode, NMS and unletterboxing. Its box regression
is still junk (huge boxes, clipped to the frame, which would hide scaling errors), so the DFL logits are
tilted towards near bins: boxes become a few strides wide and mostly sit inside the frame. The boxes are not
potholes; they only have to be identical between our pipeline and ultralytics' on the same ONNX file.

Built once per ultralytics version and recipe under /tmp/pothole-test-cache (POTHOLE_TEST_CACHE), guarded
by a file lock so concurrent test runs share one build. Nothing is downloaded (YOLO_OFFLINE, plots=False).
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

RECIPE = "v2-yolov8n-1ep-16img-320-cls5-dfl0.5"
TRAIN_IMAGES = 16
IMGSZ = 320
CLASS_BIAS_SHIFT = 5.0
DFL_BIN_DECAY = 0.5


@dataclass(frozen=True)
class TinyModels:
    dynamic_onnx: Path
    fixed_onnx: Path
    config_dir: Path


def cache_dir() -> Path:
    root = Path(os.environ.get("POTHOLE_TEST_CACHE", "/tmp/pothole-test-cache"))
    return root / f"ultralytics-{version('ultralytics')}-{RECIPE}"


def offline_ultralytics_env(config_dir: Path) -> None:
    """Must run before `import ultralytics`: no hub calls, settings in a private folder."""
    os.environ["YOLO_OFFLINE"] = "1"
    os.environ["YOLO_CONFIG_DIR"] = str(config_dir)
    os.environ.setdefault("YOLO_VERBOSE", "False")


def build_test_models(shared_dir: Path) -> TinyModels:
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    models = TinyModels(
        folder / "tiny-dynamic.onnx", folder / "tiny-fixed.onnx", folder / "ultralytics-config"
    )
    offline_ultralytics_env(models.config_dir)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (models.dynamic_onnx.is_file() and models.fixed_onnx.is_file()):
            _build(shared_dir, models)
    return models


def _train_images(shared_dir: Path) -> list[Path]:
    dataset = shared_dir / "datasets" / "dnit-rs-es"
    chosen = []
    for label in sorted((dataset / "labels" / "train").glob("*.txt")):
        if label.stat().st_size and (dataset / "images" / "train" / f"{label.stem}.jpg").is_file():
            chosen.append(dataset / "images" / "train" / f"{label.stem}.jpg")
        if len(chosen) == TRAIN_IMAGES:
            break
    return chosen


def _build(shared_dir: Path, models: TinyModels) -> None:
    import torch
    from ultralytics import YOLO

    with tempfile.TemporaryDirectory(prefix="pothole-tiny-") as tmp:
        root = Path(tmp)
        (root / "images" / "train").mkdir(parents=True)
        (root / "labels" / "train").mkdir(parents=True)
        for image in _train_images(shared_dir):
            (root / "images" / "train" / image.name).symlink_to(image)
            label = image.parent.parent.parent / "labels" / "train" / f"{image.stem}.txt"
            (root / "labels" / "train" / label.name).symlink_to(label)
        data = root / "data.yaml"
        data.write_text(f"path: {root}\ntrain: images/train\nval: images/train\nnames:\n  0: pothole\n")
        model = YOLO("yolov8n.yaml")
        model.train(
            data=str(data),
            epochs=1,
            imgsz=IMGSZ,
            batch=8,
            workers=0,
            plots=False,
            val=False,
            amp=False,
            device="cpu",
            project=str(root / "runs"),
            name="tiny",
            exist_ok=True,
            mosaic=0.0,
            warmup_epochs=0,
            seed=0,
            deterministic=True,
            verbose=False,
        )
        head = model.model.model[-1]
        for branch in head.cv3:
            branch[-1].bias.data += CLASS_BIAS_SHIFT
        for branch in head.cv2:  # DFL logits: favour near bins -> boxes of a few strides, inside the frame
            bins = branch[-1].bias.data.view(4, -1)
            bins -= DFL_BIN_DECAY * torch.arange(bins.shape[1], dtype=bins.dtype)
        for dynamic, target in ((True, models.dynamic_onnx), (False, models.fixed_onnx)):
            exported = Path(
                model.export(format="onnx", imgsz=IMGSZ, dynamic=dynamic, simplify=True, verbose=False)
            )
            tmp_target = target.with_suffix(".tmp")
            exported.replace(tmp_target)
            tmp_target.replace(target)
