"""Gather a promoted model's facts (metadata, run folder, speed) and write its card and curves PNG."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from training.data import read_data_yaml, split_images
from training.metrics import Metrics
from training.model_card import CardFacts, plot_training_curves, read_results_csv, render_card

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def read_metadata(onnx_path: Path) -> dict[str, str]:
    import onnx

    model = onnx.load(str(onnx_path), load_external_data=False)
    return {p.key: p.value for p in model.metadata_props}


def equivalent_train_command(training: dict) -> str:
    """When the run did not record its command line, the `pothole train` call with the same arguments."""
    parts = ["pothole", "train"]
    for source in training.get("datasets", []):
        parts += ["--data", source]
    for flag, key in (
        ("--model", "model"),
        ("--imgsz", "imgsz"),
        ("--epochs", "epochs"),
        ("--batch", "batch"),
        ("--name", "name"),
        ("--hours", "hours"),
        ("--tile", "tile_px"),
    ):
        if training.get(key) not in (None, ""):
            parts += [flag, str(training[key])]
    return " ".join(shlex.quote(p) for p in parts)


def _run_dir(training: dict) -> Path | None:
    """The run folder: beside the checkpoint (runs/NAME/weights/best.pt), else ultralytics' save_dir."""
    for candidate in (
        Path(training["checkpoint"]).parent.parent if training.get("checkpoint") else None,
        Path(training["save_dir"]) if training.get("save_dir") else None,
    ):
        if candidate is not None and (candidate / "results.csv").exists():
            return candidate
    return None


def _started_from(train_command: str) -> str | None:
    """The checkpoint a `pothole train --from X` run continued (its name: its own card or PROVENANCE)."""
    words = shlex.split(train_command) if train_command else []
    if "--from" in words and words.index("--from") + 1 < len(words):
        return Path(words[words.index("--from") + 1]).name
    return None


def _speed_frame(data_yamls: tuple[Path, ...], split: str) -> Path | None:
    """The largest first image among the datasets' split (a dashcam frame where there is one)."""
    import cv2

    best, best_area = None, -1
    for data_yaml in data_yamls:
        images = split_images(read_data_yaml(data_yaml), split)[:1]
        for image_path in images:
            image = cv2.imread(str(image_path), cv2.IMREAD_REDUCED_GRAYSCALE_8)
            if image is not None and image.size > best_area:
                best, best_area = image_path, image.size
    return best


def write_card(
    request,
    model_id: str,
    onnx_name: str,
    int8_name: str | None,
    reported: dict[str, Metrics],
    int8_metrics: dict[str, Metrics],
    candidate_decided: dict[str, Metrics],
    current_decided: dict[str, Metrics] | None,
    current_id: str | None,
) -> Path:
    """`reported`/`int8_metrics`: the card's split (test); `*_decided`: the split the promotion used (val)."""
    from training.speed import measure_speed_ms

    weights_dir: Path = request.weights_dir
    metadata = read_metadata(weights_dir / onnx_name)
    training = json.loads(metadata.get("pothole_training", "{}"))
    run_dir = _run_dir(training)
    curves_name, train_hours = None, None
    if run_dir is not None and (run_dir / "results.csv").exists():
        curves_name = f"{model_id}-curves.png"
        plot_training_curves(run_dir / "results.csv", weights_dir / curves_name)
        columns = read_results_csv(run_dir / "results.csv")
        hours = columns.get("time", [])
        train_hours = hours[-1] / 3600 if hours else None
        training = {**training, "epochs_done": len(columns.get("epoch", []))}
    hardware: dict = {}
    if run_dir is not None and (run_dir / "hardware.json").is_file():
        hardware = json.loads((run_dir / "hardware.json").read_text())
    commands = {}
    recorded = run_dir / "command.txt" if run_dir is not None else None
    if recorded is not None and recorded.exists():
        commands["train"] = recorded.read_text().strip()
    else:
        commands["train (equivalent; the run did not record its command)"] = equivalent_train_command(
            training
        )
    if training.get("export_command"):
        commands["export"] = training["export_command"]
    if request.command:
        commands["promote"] = request.command
    speed: dict[str, float] = {}
    frame = _speed_frame(request.data_yamls, request.split)
    if frame is not None:
        models = {"FP32": weights_dir / onnx_name}
        if int8_name:
            models["INT8"] = weights_dir / int8_name
        speed = measure_speed_ms(models, frame)
    facts = CardFacts(
        model_id=model_id,
        onnx_name=onnx_name,
        int8_name=int8_name,
        settings_json=metadata.get("pothole_settings", "{}"),
        training=training,
        test_metrics=reported,
        int8_metrics=int8_metrics,
        decided_on=request.split,
        decision={"candidate": candidate_decided}
        | ({f"in service before: {current_id}": current_decided} if current_decided else {}),
        notes=request.notes,
        speed_ms=speed,
        commands=commands,
        curves_png=curves_name,
        train_hours=train_hours,
        hardware=hardware,
        started_from=_started_from(commands.get("train", "")),
    )
    card = weights_dir / f"{model_id}.md"
    card.write_text(render_card(facts, PROJECT_ROOT))
    return card
