"""Checkpoint (.pt) -> ONNX the detector can run, or nothing at all.

Steps: ultralytics' ONNX export (fixed square, fixed rectangular such as 384x640, or dynamic; simplified
with onnxslim; its metadata `names`/`imgsz`/`stride`), then our metadata (`pothole_model_id`,
`pothole_settings` with the tiling the model was trained for), a parity check through `detector/`
against the checkpoint, the operating confidence chosen on the val split (best F1, through the same
production path with tiling) and, with int8, a statically quantized copy. A file that fails a check is
deleted: an export that disagrees with its checkpoint must never be promoted by accident.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from training.data import read_data_yaml, split_images
from training.parity import ParityReport, check_parity, sample_images

__all__ = [
    "ExportError",
    "Int8Error",
    "ExportRequest",
    "ExportResult",
    "export_checkpoint",
    "write_metadata",
    "checkpoint_facts",
]

PARITY_IMAGES = 16
SURVEY_FRAME_LONG_SIDE_PX = 1024  # the dashcam-like training frames (dnit-rs-es) are 1024x640
SETTINGS_KEY, MODEL_ID_KEY, TRAINING_KEY = "pothole_settings", "pothole_model_id", "pothole_training"


class ExportError(RuntimeError):
    """The export was refused; the message says which check failed."""


class Int8Error(ExportError):
    """The INT8 copy was refused; the FP32 export passed its checks and is kept."""


@dataclass(frozen=True, slots=True)
class ExportRequest:
    checkpoint: Path
    out: Path
    imgsz_hw: tuple[int, int] = (416, 416)
    dynamic: bool = False
    int8: bool = False
    data_yamls: tuple[Path, ...] = ()  # default: the data the checkpoint was trained on
    tile_px: int | None = -1  # -1: from the training set's tiling plan; None: no tiles
    tile_overlap_frac: float = 0.2
    full_frame_pass: bool = True
    model_id: str | None = None
    opset: int | None = None
    command: str = ""  # the command line, recorded in the metadata for the model card


@dataclass(frozen=True, slots=True)
class ExportResult:
    onnx: Path
    int8: Path | None
    model_id: str
    settings_json: str
    parity: ParityReport
    val_f1: float


def checkpoint_facts(checkpoint: Path) -> dict:
    """What the checkpoint says about its training run (ultralytics keeps `train_args` inside)."""
    import torch

    ckpt = torch.load(str(checkpoint), map_location="cpu", weights_only=False)
    args = dict(ckpt.get("train_args") or {})
    network = getattr(ckpt.get("model"), "yaml", None) or {}
    return {
        # the architecture, also for a run continued from a .pt (whose train_args name that .pt)
        "architecture": Path(str(network.get("yaml_file") or args.get("model", ""))).name,
        "model": str(args.get("model", "")),
        "data": str(args.get("data", "")),
        "imgsz": args.get("imgsz"),
        "epochs": args.get("epochs"),
        "epoch": ckpt.get("epoch"),
        "batch": args.get("batch"),
        "hours": args.get("time"),
        "save_dir": str(args.get("save_dir", "")),
        "seed": args.get("seed"),
        "name": args.get("name"),
        "date": str(ckpt.get("date", "")),
    }


def default_model_id(checkpoint: Path, facts: dict, imgsz_hw: tuple[int, int]) -> str:
    arch = Path(facts.get("model") or "yolo").stem.replace("yolo", "") or "yolo"
    digest = hashlib.sha256(checkpoint.read_bytes()).hexdigest()[:6]
    size = f"{imgsz_hw[0]}" if imgsz_hw[0] == imgsz_hw[1] else f"{imgsz_hw[0]}x{imgsz_hw[1]}"
    return f"pw-{datetime.now(UTC):%Y%m%d}-{arch}-{size}-{digest}"


def _tiling_of(data_yaml: Path) -> int | None:
    manifest = data_yaml.parent / "manifest.json"
    if manifest.exists():
        tiling = json.loads(manifest.read_text()).get("tiling") or {}
        return tiling.get("tile_px")
    return None


def _data_sources(data_yaml: Path) -> list[Path]:
    """A built training set remembers its source datasets; evaluate val per source with real frames."""
    for name in ("manifest.json", "sources.json"):
        listing = data_yaml.parent / name
        if listing.exists():
            sources = json.loads(listing.read_text()).get("sources") or []
            paths = [_existing(Path(s["data"] if isinstance(s, dict) else s), data_yaml) for s in sources]
            if paths and all(p is not None for p in paths):
                return [p for p in paths if p is not None]
    return [data_yaml]


def _existing(path: Path, data_yaml: Path) -> Path | None:
    """Older manifests hold paths relative to the directory the build ran in (usually the project root)."""
    if path.is_absolute():
        return path if path.exists() else None
    project_root = Path(__file__).resolve().parents[1]
    for base in (Path.cwd(), project_root, data_yaml.parent):
        if (base / path).exists():
            return (base / path).resolve()
    return None


def write_metadata(onnx_path: Path, values: dict[str, str]) -> None:
    """Set (add or replace) string metadata entries of an ONNX file in place."""
    import onnx

    model = onnx.load(str(onnx_path))
    kept = [p for p in model.metadata_props if p.key not in values]
    del model.metadata_props[:]
    model.metadata_props.extend(kept)
    for key, value in values.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, str(onnx_path))


def _ultralytics_export(request: ExportRequest) -> Path:
    import tempfile

    from ultralytics import YOLO

    imgsz = list(request.imgsz_hw) if request.imgsz_hw[0] != request.imgsz_hw[1] else request.imgsz_hw[0]
    # ultralytics writes the .onnx beside the checkpoint: export from a private copy, so a read-only or
    # shared checkpoint folder (../shared/models) is never written to, even by an interrupted export.
    with tempfile.TemporaryDirectory(prefix="pothole-export-") as scratch:
        private = Path(scratch) / request.checkpoint.name
        shutil.copy2(request.checkpoint, private)
        produced = Path(
            YOLO(str(private)).export(
                format="onnx",
                imgsz=imgsz,
                dynamic=request.dynamic,
                simplify=True,
                opset=request.opset,
                batch=1,
                device="cpu",
                nms=False,
            )
        )
        request.out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(produced), str(request.out))
    return request.out


def export_checkpoint(request: ExportRequest, log=print, progress=None) -> ExportResult:
    """Export, check and annotate; raises ExportError (and deletes the files) when a check fails."""
    from detector import InferenceSettings, OnnxDetector
    from training.evaluate import operating_conf

    facts = checkpoint_facts(request.checkpoint)
    data_yamls = list(request.data_yamls) or ([Path(facts["data"])] if facts["data"] else [])
    if not data_yamls or not all(p.exists() for p in data_yamls):
        raise ExportError(
            f"--data: no validation data (checkpoint says {facts['data']!r}); pass --data D.yaml"
        )
    tile_px = request.tile_px
    if tile_px == -1:
        tile_px = next((t for t in (_tiling_of(p) for p in data_yamls) if t), None)
    model_id = request.model_id or default_model_id(request.checkpoint, facts, request.imgsz_hw)
    onnx_path = _ultralytics_export(request)
    int8_path: Path | None = None
    try:
        val_images = [img for p in data_yamls for img in split_images(read_data_yaml(p), "val")]
        if not val_images:
            raise ExportError(f"--data: {data_yamls} have no val images for the parity check")
        parity = check_parity(request.checkpoint, onnx_path, sample_images(val_images, PARITY_IMAGES))
        log(str(parity))
        if not parity.ok:
            raise ExportError(f"refused: the ONNX disagrees with the checkpoint ({parity})")
        settings = InferenceSettings(
            tile_px=tile_px,
            tile_overlap_frac=request.tile_overlap_frac,
            full_frame_pass=request.full_frame_pass,
            # the training set's rule (training.data.TilingPlan.should_tile): only frames at least two
            # tiles long were cut, so smaller photos run whole; bigger frames shrink to the survey scale
            tile_min_long_side_px=2 * tile_px if tile_px else None,
            tile_frame_long_side_px=SURVEY_FRAME_LONG_SIDE_PX if tile_px else None,
        )
        sources = [s for p in data_yamls for s in _data_sources(p)]
        training = {
            **facts,
            "checkpoint": str(request.checkpoint.resolve()),
            "tile_px": tile_px,
            "source_data": [str(p) for p in data_yamls],
            "datasets": [str(s) for s in sources],
            "exported_utc": f"{datetime.now(UTC):%FT%TZ}",
            "export_command": request.command,
        }
        write_metadata(
            onnx_path,
            {MODEL_ID_KEY: model_id, SETTINGS_KEY: settings.to_json(), TRAINING_KEY: json.dumps(training)},
        )
        conf, val_metrics = operating_conf(OnnxDetector.load(onnx_path), sources, "val", progress)
        settings = settings.with_overrides(conf=conf)
        training["operating_point"] = {
            "chosen_on": "val",
            "data": [str(s) for s in sources],
            **val_metrics.as_dict(),
        }
        write_metadata(onnx_path, {SETTINGS_KEY: settings.to_json(), TRAINING_KEY: json.dumps(training)})
        log(
            f"operating confidence {conf:.3f} "
            f"(best F1 {val_metrics.f1:.3f} on val of {len(sources)} dataset(s))"
        )
    except Exception:
        onnx_path.unlink(missing_ok=True)
        raise
    if request.int8:
        # Optional and later: its failure removes only the INT8 file; the FP32 export passed its checks.
        try:
            int8_path = _int8(onnx_path, data_yamls, val_images, model_id, log)
        except Exception as error:
            int8_path_for(onnx_path).unlink(missing_ok=True)
            reason = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
            message = f"int8 refused ({reason}); the checked FP32 export is kept at {onnx_path}"
            raise Int8Error(message) from error
    return ExportResult(onnx_path, int8_path, model_id, settings.to_json(), parity, val_metrics.f1)


def int8_path_for(onnx_path: Path) -> Path:
    return onnx_path.with_name(f"{onnx_path.stem}-int8.onnx")


def _int8(onnx_path: Path, data_yamls: list[Path], val_images: list[Path], model_id: str, log) -> Path:
    from training.parity import check_int8_agreement
    from training.quantize import quantize_int8

    train_images = [img for p in data_yamls for img in split_images(read_data_yaml(p), "train")]
    int8_path = quantize_int8(onnx_path, int8_path_for(onnx_path), sample_images(train_images, 64))
    write_metadata(int8_path, {MODEL_ID_KEY: f"{model_id}-int8"})
    log(f"int8: {int8_path} (static QDQ per-channel, {min(64, len(train_images))} calibration images)")
    agreement = check_int8_agreement(onnx_path, int8_path, sample_images(val_images, 2 * PARITY_IMAGES))
    log(str(agreement))
    if not agreement.ok:
        raise ExportError(f"the INT8 copy disagrees with the FP32 export ({agreement})")
    return int8_path
