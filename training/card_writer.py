"""Gather a promoted model's facts (metadata, run folder, speed) and write its card and curves PNG."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path

from training.data import read_data_yaml, split_images
from training.metrics import Metrics
from training.model_card import (
    CardFacts,
    CompanionFacts,
    plot_training_curves,
    read_results_csv,
    render_card,
)

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


@dataclass(frozen=True, slots=True)
class RunRecord:
    """What a training run left: results.csv, the command line, the hardware (any may be missing).

    A run folder (runs/NAME/weights/best.pt) keeps them as results.csv, command.txt, hardware.json; a
    checkpoint handed over on its own keeps them beside it: <stem>.results.csv, .command.txt, .hardware.json.
    """

    results_csv: Path | None
    command_txt: Path | None
    hardware_json: Path | None


def _run_record(training: dict) -> RunRecord:
    checkpoint = Path(training["checkpoint"]) if training.get("checkpoint") else None
    folders = [checkpoint.parent.parent if checkpoint else None,
               Path(training["save_dir"]) if training.get("save_dir") else None]
    for folder in folders:
        if folder is not None and (folder / "results.csv").exists():
            return RunRecord(*(_present(folder / n) for n in ("results.csv", "command.txt", "hardware.json")))
    if checkpoint is not None:
        sidecars = (checkpoint.with_suffix(f".{n}") for n in ("results.csv", "command.txt", "hardware.json"))
        return RunRecord(*(_present(p) for p in sidecars))
    return RunRecord(None, None, None)


def _present(path: Path) -> Path | None:
    return path if path.is_file() else None


@dataclass(frozen=True, slots=True)
class ModelFacts:
    """One model's part of a card: its metadata, training run, curves and commands."""

    settings_json: str
    training: dict
    commands: dict[str, str]
    curves_png: str | None
    train_hours: float | None
    hardware: dict


def model_facts(weights_dir: Path, onnx_name: str, curves_name: str) -> ModelFacts:
    metadata = read_metadata(weights_dir / onnx_name)
    training = json.loads(metadata.get("pothole_training", "{}"))
    record = _run_record(training)
    curves, train_hours = None, None
    if record.results_csv is not None:
        curves = curves_name
        plot_training_curves(record.results_csv, weights_dir / curves)
        columns = read_results_csv(record.results_csv)
        hours = columns.get("time", [])
        train_hours = hours[-1] / 3600 if hours else None
        training = {**training, "epochs_done": len(columns.get("epoch", []))}
    hardware = json.loads(record.hardware_json.read_text()) if record.hardware_json else {}
    commands = {}
    if record.command_txt is not None:
        commands["train"] = record.command_txt.read_text().strip()
    else:
        commands["train (equivalent; the run did not record its command)"] = equivalent_train_command(
            training
        )
    if training.get("export_command"):
        commands["export"] = training["export_command"]
    settings_json = metadata.get("pothole_settings", "{}")
    return ModelFacts(settings_json, training, commands, curves, train_hours, hardware)


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
    entry: dict,
    reported: dict[str, Metrics],
    int8_metrics: dict[str, Metrics],
    candidate_decided: dict[str, Metrics],
    current_decided: dict[str, Metrics] | None,
    current_id: str | None,
) -> Path:
    """`entry`: the current.json entry being written (one model, or a pair with its companion).
    `reported`/`int8_metrics`: the card's split (test); `*_decided`: the split the promotion used (val)."""
    from training.promote import load_entry
    from training.speed import measure_speed_ms

    weights_dir: Path = request.weights_dir
    main = model_facts(weights_dir, entry["onnx"], f"{model_id}-curves.png")
    commands = dict(main.commands)
    if request.command:
        commands["promote"] = request.command
    companion = None
    if entry.get("companion"):
        whole = entry["companion"]
        whole_facts = model_facts(weights_dir, whole["onnx"], f"{model_id}-companion-curves.png")
        companion = CompanionFacts(
            model_id=Path(whole["onnx"]).stem,
            onnx_name=whole["onnx"],
            int8_name=whole.get("int8"),
            settings_json=whole_facts.settings_json,
            training=whole_facts.training,
            commands=whole_facts.commands,
            curves_png=whole_facts.curves_png,
            train_hours=whole_facts.train_hours,
            hardware=whole_facts.hardware,
            started_from=_started_from(whole_facts.commands.get("train", "")),
            pair_conf=float(entry["pair_conf"]),
        )
    speed: dict[str, float] = {}
    frame = _speed_frame(request.data_yamls, request.split)
    if frame is not None:
        detectors = {"FP32": load_entry(weights_dir, entry)}
        if entry.get("int8"):
            detectors["INT8"] = load_entry(weights_dir, entry, int8=True)
        speed = measure_speed_ms(detectors, frame)
    facts = CardFacts(
        model_id=model_id,
        onnx_name=entry["onnx"],
        int8_name=entry.get("int8"),
        settings_json=main.settings_json,
        training=main.training,
        test_metrics=reported,
        int8_metrics=int8_metrics,
        decided_on=request.split,
        decision={"candidate": candidate_decided}
        | ({f"in service before: {current_id}": current_decided} if current_decided else {}),
        notes=request.notes,
        speed_ms=speed,
        commands=commands,
        curves_png=main.curves_png,
        train_hours=main.train_hours,
        hardware=main.hardware,
        started_from=_started_from(commands.get("train", "")),
        companion=companion,
    )
    card = weights_dir / f"{model_id}.md"
    card.write_text(render_card(facts, PROJECT_ROOT))
    return card
