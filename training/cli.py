"""`pothole train | export | evaluate | promote` and `pothole dataset ...`.

Bad input is one line on stderr and exit 2; a refusal (an export that disagrees with its checkpoint, a
candidate worse than the model in service) is exit 1 with the reason. torch / ultralytics / onnxruntime
are imported inside the commands, so `pothole --help` stays fast.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from training.dataset_cli import dataset_app
from training.progress import progress_bar

__all__ = ["register"]

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DataOption = Annotated[list[Path], typer.Option("--data", help="A YOLO data.yaml (repeat for several).")]


def register(app: typer.Typer) -> None:
    app.command("train", help="Train a YOLO detector offline from a model .yaml (seeded, resumable).")(train)
    app.command("export", help="Checkpoint -> ONNX with metadata, parity-checked through detector/.")(export)
    app.command("evaluate", help="mAP / P / R / F1 of an ONNX model through detector/ on a split.")(evaluate)
    app.command("promote", help="Put a candidate ONNX in service if it is not worse on every test set.")(
        promote
    )
    app.add_typer(dataset_app, name="dataset", help="Check, describe, merge and import YOLO datasets.")


def fail(command: str, message: str, code: int = 2) -> NoReturn:
    typer.echo(f"pothole {command}: error: {message}", err=True)
    raise SystemExit(code)  # not typer.Exit: click drops its code under the hub's standalone_mode=False


def _check_files(command: str, paths: list[Path], what: str) -> None:
    for path in paths:
        if not path.is_file():
            fail(command, f"{what} {path}: no such file")


def _parse_hw(command: str, text: str) -> tuple[int, int]:
    try:
        height, width = (int(v) for v in text.lower().split("x"))
    except ValueError:
        fail(command, f"--rect {text!r}: expected HEIGHTxWIDTH such as 384x640")
    if height % 32 or width % 32 or height <= 0 or width <= 0:
        fail(command, f"--rect {text!r}: both sides must be positive multiples of 32")
    return height, width


def train(
    data: DataOption = [],  # noqa: B006  (typer reads the default)
    model: Annotated[
        str | None,
        typer.Option(help="Model .yaml: yolov8n.yaml, yolov8s.yaml, yolov8n-p2.yaml ... (default "
                     "yolov8n.yaml; with --from: the checkpoint's own architecture)"),
    ] = None,
    start_from: Annotated[
        Path | None,
        typer.Option("--from", help="Start from this .pt: fine-tune or continue it (with --model: transfer "
                     "its matching layers into that architecture)."),
    ] = None,
    imgsz: Annotated[int, typer.Option(help="Training input size (px).")] = 416,
    epochs: Annotated[int, typer.Option(help="Epochs (with --hours: fitted to the budget).")] = 100,
    batch: Annotated[int, typer.Option()] = 16,
    name: Annotated[str, typer.Option(help="Run name (folder under the runs dir).")] = "pothole",
    hours: Annotated[float | None, typer.Option(help="Wall-clock budget; the LR schedule fits it.")] = None,
    tile: Annotated[
        int | None, typer.Option(help="Cut large frames into native-resolution tiles of PX.")
    ] = None,
    seed: Annotated[int, typer.Option()] = 0,
    resume: Annotated[bool, typer.Option(help="Resume the run NAME from its last.pt.")] = False,
    runs_dir: Annotated[
        Path | None, typer.Option(help="Runs folder (default POTHOLE_RUNS_DIR or ~/.cache).")
    ] = None,
    fraction: Annotated[float, typer.Option(help="Share of the train split to use.")] = 1.0,
    device: Annotated[str, typer.Option(help="cpu, mps, a GPU index (0, 0,1) or cuda:0.")] = "cpu",
    cache: Annotated[str, typer.Option(help="Cache decoded images: ram, disk or none.")] = "none",
    workers: Annotated[
        int | None, typer.Option(help="Data loader workers (default: this machine's cores).")
    ] = None,
    optimizer: Annotated[
        str, typer.Option(help="SGD, MuSGD, AdamW ... or auto (ultralytics picks the optimiser and rate).")
    ] = "auto",
    lr0: Annotated[float | None, typer.Option(help="Initial learning rate (needs --optimizer).")] = None,
    lrf: Annotated[float | None, typer.Option(help="Final LR as a fraction of lr0 (default 0.01).")] = None,
    warmup_epochs: Annotated[float | None, typer.Option(help="Warm-up epochs (default 3).")] = None,
    close_mosaic: Annotated[
        int | None, typer.Option(help="Turn mosaic off for the last N epochs (default 10).")
    ] = None,
    patience: Annotated[int, typer.Option(help="Early-stop patience in epochs (with per-epoch val).")] = 100,
    deterministic: Annotated[
        bool, typer.Option(help="Deterministic kernels (reproducible; slower on a GPU).")
    ] = True,
) -> None:
    from training.accelerator import DeviceError, require_device
    from training.data import TilingPlan, build_training_set
    from training.merge import MergeError, merge_datasets
    from training.train import (
        CACHE_MODES,
        DEFAULT_RUNS_DIR,
        OPTIMIZERS,
        TrainConfig,
        default_workers,
        run_dir,
    )
    from training.train import train as run_training

    runs = runs_dir or DEFAULT_RUNS_DIR
    if not resume and not data:
        fail("train", "--data: at least one data.yaml is needed (or --resume)")
    _check_files("train", data, "--data")
    if start_from is not None:
        _check_files("train", [start_from], "--from")
        if start_from.suffix != ".pt":
            fail("train", f"--from {start_from}: must be a .pt checkpoint")
        if resume:
            fail("train", "--from and --resume: choose one (--resume continues the run NAME as it was)")
    if imgsz < 32 or imgsz % 32:
        fail("train", f"--imgsz {imgsz}: must be a positive multiple of 32")
    if epochs < 1 or batch < 1:
        fail("train", f"--epochs {epochs} / --batch {batch}: must be at least 1")
    if cache not in CACHE_MODES:
        fail("train", f"--cache {cache!r}: expected one of {', '.join(CACHE_MODES)}")
    if workers is not None and workers < 0:
        fail("train", f"--workers {workers}: must be 0 or more")
    if optimizer not in OPTIMIZERS:
        fail("train", f"--optimizer {optimizer!r}: expected one of {', '.join(OPTIMIZERS)}")
    if lr0 is not None and optimizer == "auto":
        fail("train", "--lr0 needs --optimizer SGD or AdamW: with auto, ultralytics ignores it")
    for option, value in (("--lr0", lr0), ("--lrf", lrf)):
        if value is not None and not 0 < value <= 1:
            fail("train", f"{option} {value}: must be in (0, 1]")
    if warmup_epochs is not None and not 0 <= warmup_epochs <= epochs:
        fail("train", f"--warmup-epochs {warmup_epochs}: must be between 0 and --epochs")
    if close_mosaic is not None and close_mosaic < 0:
        fail("train", f"--close-mosaic {close_mosaic}: must be 0 or more")
    if hours is not None and not 0 < hours <= 24 * 14:
        fail("train", f"--hours {hours}: must be in (0, 336]")
    try:
        parsed_device = require_device(device)
    except DeviceError as error:
        fail("train", str(error))
    if resume:
        config = TrainConfig(data_yaml=Path(), name=name, runs_dir=runs, device=device)
    else:
        set_dir = runs.parent / "sets" / (f"{name}-t{tile}" if tile else name)
        try:
            if tile:
                data_yaml = build_training_set(
                    [p.resolve() for p in data], set_dir, TilingPlan(tile_px=tile), progress=progress_bar
                )
            else:
                data_yaml = merge_datasets([p.resolve() for p in data], set_dir)
        except (MergeError, ValueError) as error:
            fail("train", str(error))
        config = TrainConfig(
            data_yaml=data_yaml,
            model_yaml=model if (model or start_from is None) else None,
            imgsz=imgsz,
            epochs=epochs,
            batch=batch,
            name=name,
            seed=seed,
            hours=hours,
            runs_dir=runs,
            fraction=fraction,
            workers=default_workers() if workers is None else workers,
            device=parsed_device.ultralytics,
            cache=cache,
            start_from=start_from.resolve() if start_from else None,
            optimizer=optimizer,
            lr0=lr0,
            lrf=lrf,
            warmup_epochs=warmup_epochs,
            close_mosaic=close_mosaic,
            patience=patience,
            deterministic=deterministic,
        )
        run_dir(config).mkdir(parents=True, exist_ok=True)
        (run_dir(config) / "command.txt").write_text(shlex.join(
            _train_command(data, config, tile, model, start_from)) + "\n")
    try:
        best = run_training(config, resume=resume)
    except (FileNotFoundError, AssertionError, ValueError) as error:  # e.g. nothing to resume
        fail("train", str(error).strip().splitlines()[-1] if str(error).strip() else repr(error))
    typer.echo(f"best checkpoint: {best}")


def _train_command(data: list[Path], config, tile: int | None, model: str | None,
                   start_from: Path | None) -> list[str]:
    """The `pothole train` line that reproduces a run (paths inside the repository relative to it)."""
    parts = ["pothole", "train", *[a for p in data for a in ("--data", _display_path(p))]]
    parts += ["--model", model] if model else []
    parts += ["--from", _display_path(start_from)] if start_from else []
    parts += ["--imgsz", str(config.imgsz), "--epochs", str(config.epochs), "--batch", str(config.batch),
              "--name", config.name, "--seed", str(config.seed), "--device", config.device,
              "--workers", str(config.workers)]
    parts += ["--optimizer", config.optimizer] if config.optimizer != "auto" else []
    optional = {"--hours": config.hours, "--tile": tile, "--lr0": config.lr0, "--lrf": config.lrf,
                "--warmup-epochs": config.warmup_epochs, "--close-mosaic": config.close_mosaic}
    parts += [a for flag, value in optional.items() if value is not None for a in (flag, str(value))]
    parts += ["--cache", config.cache] if config.cache != "none" else []
    parts += ["--fraction", str(config.fraction)] if config.fraction != 1.0 else []
    parts += ["--no-deterministic"] if not config.deterministic else []
    return parts


def _display_path(path: Path) -> str:
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def export(
    checkpoint: Annotated[Path, typer.Argument(help="Trained checkpoint (best.pt).")],
    out: Annotated[Path, typer.Option(help="ONNX file to write.")],
    imgsz: Annotated[int, typer.Option(help="Square input size.")] = 416,
    rect: Annotated[
        str | None, typer.Option(help="Fixed rectangular input HEIGHTxWIDTH, e.g. 384x640.")
    ] = None,
    dynamic: Annotated[bool, typer.Option(help="Dynamic input shape (rect letterbox at run time).")] = False,
    int8: Annotated[bool, typer.Option(help="Also write OUT-int8.onnx (static QDQ quantization).")] = False,
    data: DataOption = [],  # noqa: B006
    tile_px: Annotated[
        int | None,
        typer.Option(help="Tile size in the model settings (0: none; default: the training set's tiling)."),
    ] = None,
    model_id: Annotated[str | None, typer.Option(help="Model id (default pw-DATE-ARCH-SIZE-HASH).")] = None,
) -> None:
    from training.export import ExportError, ExportRequest, export_checkpoint
    from training.train import DEFAULT_RUNS_DIR, prepare_offline_environment

    _check_files("export", [checkpoint], "CHECKPOINT")
    _check_files("export", data, "--data")
    if out.suffix != ".onnx":
        fail("export", f"--out {out}: must end in .onnx")
    hw = _parse_hw("export", rect) if rect else (imgsz, imgsz)
    if not rect and (imgsz < 32 or imgsz % 32):
        fail("export", f"--imgsz {imgsz}: must be a positive multiple of 32")
    prepare_offline_environment(DEFAULT_RUNS_DIR)
    parts = ["pothole", "export", str(checkpoint.resolve()), "--out", str(out)]
    parts += ["--rect", rect] if rect else ["--imgsz", str(imgsz)]
    parts += (["--dynamic"] if dynamic else []) + (["--int8"] if int8 else [])
    parts += [a for p in data for a in ("--data", str(p.resolve()))]
    parts += ["--tile-px", str(tile_px)] if tile_px is not None else []
    parts += ["--model-id", model_id] if model_id else []
    request = ExportRequest(
        checkpoint=checkpoint,
        out=out,
        imgsz_hw=hw,
        dynamic=dynamic,
        int8=int8,
        data_yamls=tuple(data),
        tile_px=-1 if tile_px is None else (tile_px or None),
        model_id=model_id,
        command=shlex.join(parts),
    )
    try:
        result = export_checkpoint(request, log=lambda m: typer.echo(m, err=True), progress=progress_bar)
    except ExportError as error:
        fail("export", str(error), code=1)
    typer.echo(
        json.dumps(
            {
                "onnx": str(result.onnx),
                "int8": str(result.int8) if result.int8 else None,
                "model_id": result.model_id,
                "settings": json.loads(result.settings_json),
                "parity_agreement": round(result.parity.agreement, 4),
                "val_f1": round(result.val_f1, 4),
            }
        )
    )


def evaluate(
    data: DataOption,
    weights: Annotated[
        Path | None, typer.Option(help="ONNX model (default: POTHOLE_WEIGHTS or weights/current.json).")
    ] = None,
    split: Annotated[str, typer.Option(help="train, val or test.")] = "test",
    as_json: Annotated[
        bool, typer.Option("--json", help="Last line: one JSON object of the metrics.")
    ] = False,
    conf: Annotated[float | None, typer.Option(help="Override the model's operating confidence.")] = None,
    tile_px: Annotated[
        int | None, typer.Option(help="Experiment: override the model's tiling (0: whole frames only).")
    ] = None,
    threads: Annotated[int | None, typer.Option(help="ONNX Runtime threads.")] = None,
    companion: Annotated[
        Path | None,
        typer.Option(help="A whole-frame ONNX run with WEIGHTS (a tile model) as one pair detector."),
    ] = None,
) -> None:
    from detector import DetectorError, current_model
    from training.evaluate import EvaluationError
    from training.evaluate import evaluate as run_evaluation

    if not data:
        fail("evaluate", "--data: at least one data.yaml is needed")
    if weights is None and companion is None:  # the model in service: one model or its pair
        try:
            current = current_model()
        except DetectorError as error:
            fail("evaluate", str(error))
        weights, companion = current.onnx, current.companion
        conf = current.pair_conf if conf is None else conf
    if weights is None:
        fail("evaluate", "--companion needs --weights (the tile model it pairs with)")
    _check_files("evaluate", [weights], "--weights")
    _check_files("evaluate", data, "--data")
    if companion is not None:
        _check_files("evaluate", [companion], "--companion")
    if split not in ("train", "val", "test"):
        fail("evaluate", f"--split {split!r}: expected train, val or test")
    try:
        metrics = run_evaluation(weights, data, split, conf=conf, threads=threads, progress=progress_bar,
                                 tile_px=-1 if tile_px is None else (tile_px or None), companion=companion)
    except (EvaluationError, DetectorError, ValueError) as error:
        fail("evaluate", str(error))
    if as_json:
        typer.echo(json.dumps(metrics.as_dict()))
    else:
        for key, value in metrics.as_dict().items():
            typer.echo(f"{key:>10}: {value}")


def promote(
    candidate: Annotated[Path, typer.Argument(help="Candidate ONNX (from pothole export).")],
    margin: Annotated[float, typer.Option(help="Allowed mAP50 drop per dataset.")] = 0.0,
    int8: Annotated[
        Path | None, typer.Option(help="Its INT8 ONNX (default: CANDIDATE-int8.onnx if present).")
    ] = None,
    data: DataOption = [],  # noqa: B006
    weights_dir: Annotated[Path, typer.Option(help="Folder of the models in service.")] = PROJECT_ROOT
    / "weights",
    threads: Annotated[int | None, typer.Option(help="ONNX Runtime threads.")] = None,
    notes: Annotated[
        Path | None, typer.Option(help="Markdown appended to the model card (how the model was chosen).")
    ] = None,
    companion: Annotated[
        Path | None,
        typer.Option(help="A whole-frame ONNX to put in service with CANDIDATE (a tile model) as a pair."),
    ] = None,
    companion_int8: Annotated[
        Path | None, typer.Option(help="Its INT8 ONNX (default: COMPANION-int8.onnx if present).")
    ] = None,
) -> None:
    from detector import DetectorError
    from training.evaluate import EvaluationError
    from training.export import int8_path_for
    from training.promote import PromoteRequest
    from training.promote import promote as run_promotion

    data = data or sorted((PROJECT_ROOT / "datasets").glob("*.yaml"))
    _check_files("promote", [candidate], "CANDIDATE")
    _check_files("promote", data, "--data")
    if margin < 0:
        fail("promote", f"--margin {margin}: must be >= 0")
    if int8 is None and int8_path_for(candidate).is_file():
        int8 = int8_path_for(candidate)
    if int8 is not None:
        _check_files("promote", [int8], "--int8")
    if notes is not None:
        _check_files("promote", [notes], "--notes")
    if companion is not None:
        _check_files("promote", [companion], "--companion")
        if companion_int8 is None and int8_path_for(companion).is_file():
            companion_int8 = int8_path_for(companion)
    if companion_int8 is not None:
        if companion is None:
            fail("promote", "--companion-int8 needs --companion")
        _check_files("promote", [companion_int8], "--companion-int8")
    parts = ["pothole", "promote", str(candidate), "--margin", str(margin)]
    parts += ["--int8", str(int8)] if int8 else []
    parts += ["--companion", str(companion)] if companion else []
    parts += ["--companion-int8", str(companion_int8)] if companion_int8 else []
    parts += [a for p in data for a in ("--data", str(p))]
    request = PromoteRequest(
        candidate=candidate,
        weights_dir=weights_dir,
        data_yamls=tuple(data),
        margin=margin,
        int8=int8,
        command=shlex.join(parts),
        threads=threads,
        notes=notes.read_text(encoding="utf-8") if notes is not None else "",
        companion=companion,
        companion_int8=companion_int8,
    )
    try:
        result = run_promotion(request, log=lambda m: typer.echo(m, err=True), progress=progress_bar)
    except (EvaluationError, DetectorError, FileNotFoundError, KeyError, ValueError) as error:
        fail("promote", str(error))
    for reason in result.decision.reasons:
        typer.echo(reason)
    if not result.decision.promote:
        fail("promote", f"{result.model_id} not promoted", code=1)
    typer.echo(f"promoted {result.model_id}: card {result.card}")
