"""The model card beside every promoted model: what it was trained on, under which licences, how it
scores per dataset, how fast it runs here, and the commands that reproduce it.

Licences are read from each dataset's PROVENANCE.md ("License" section), because they differ between
datasets and a model inherits the obligations of its data.
"""

from __future__ import annotations

import csv
import re
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from training.data import read_data_yaml
from training.metrics import Metrics

__all__ = [
    "CardFacts",
    "CompanionFacts",
    "dataset_licence",
    "plot_training_curves",
    "portable_text",
    "render_card",
    "git_commit",
]

TARGET_MAP50 = {"chitholian-potholes": 0.74, "dnit-rs-es": 0.28}  # issue 13: the best measured so far
INT8_MAX_DROP = 0.02
KNOWN_LICENCES = {
    "chitholian-potholes": (
        "ODbL v1.0 (Roboflow dataset card of Chitholian's 'Annotated Potholes Image Dataset', Kaggle "
        "DOI 10.34740/kaggle/dsv/973710); the repository it was taken from (tamagusko/pothole-detection) is "
        "CC BY-NC-ND 4.0 and may claim to cover the copy: check licensing before any commercial use."
    ),
    "dnit-rs-es": (
        "MIT (Copyright (c) 2020 Bianka Passos, biankatpas/Cracks-and-Potholes-in-Road-Images-Dataset; "
        "Mendeley Data doi:10.17632/t576ydh9v8.4; images from Brazil's DNIT)."
    ),
}


@dataclass(frozen=True, slots=True)
class CompanionFacts:
    """The whole-frame model of a promoted pair (the card's main facts are the tile model's)."""

    model_id: str
    onnx_name: str
    int8_name: str | None
    settings_json: str
    training: dict
    commands: dict[str, str]
    curves_png: str | None
    train_hours: float | None
    hardware: dict
    started_from: str | None
    pair_conf: float


@dataclass(frozen=True, slots=True)
class CardFacts:
    model_id: str
    onnx_name: str
    int8_name: str | None
    settings_json: str
    training: dict
    test_metrics: dict[str, Metrics]  # dataset name -> FP32 test metrics
    int8_metrics: dict[str, Metrics] = field(default_factory=dict)
    speed_ms: dict[str, float] = field(default_factory=dict)
    commands: dict[str, str] = field(default_factory=dict)
    curves_png: str | None = None
    decided_on: str = "val"
    decision: dict[str, dict[str, Metrics]] = field(default_factory=dict)  # title -> dataset -> metrics
    notes: str = ""
    train_hours: float | None = None
    hardware: dict = field(default_factory=dict)
    started_from: str | None = None
    companion: CompanionFacts | None = None


def portable_text(text: str, project_root: Path) -> str:
    """A command or path as any clone reads it: the repository's own paths relative to it, the data
    beside it as ../shared, the home folder as ~ (a card never names one machine's folders)."""
    replacements = {
        f"{project_root.parent / 'shared'}/": "../shared/",
        f"{project_root}/": "",
        f"{Path.home()}/": "~/",
    }
    for absolute, relative in replacements.items():
        text = text.replace(absolute, relative)
    return text


def dataset_reference(data_yaml: Path, project_root: Path) -> str:
    """`datasets/<name>.yaml` when the repository has that template, else the dataset's name."""
    name = data_yaml.parent.name if data_yaml.stem == "data" else data_yaml.stem
    template = project_root / "datasets" / f"{name}.yaml"
    return f"{name} (`datasets/{name}.yaml`)" if template.is_file() else name


def _hardware_line(facts: CardFacts | CompanionFacts) -> str:
    hardware = facts.hardware
    where = hardware.get("accelerator") or "unrecorded hardware"
    cores = f", {hardware['cpu_cores']} CPU cores" if hardware.get("cpu_cores") else ""
    hours = f"{facts.train_hours:.2f} h of training" if facts.train_hours else "training time unrecorded"
    return f"- Trained on: {where}{cores}; {hours}"


def _model_lines(facts: CardFacts | CompanionFacts) -> list[str]:
    """Architecture, training run, hardware and settings of one model."""
    training = facts.training
    origin = (
        f"continued from `{facts.started_from}` (trained from scratch, no pretrained weights)"
        if facts.started_from
        else "trained from scratch (random init, no pretrained weights)"
    )
    return [
        f"- Architecture: `{training.get('architecture') or Path(str(training.get('model') or '?')).name}` "
        "(ultralytics YOLO, single "
        f"class `pothole`), {origin}",
        f"- Training: imgsz {training.get('imgsz')}, epochs {training.get('epochs_done', '?')} "
        f"(time-boxed: ultralytics fits the epochs to the budget), batch {training.get('batch')}, "
        f"seed {training.get('seed')}",
        _hardware_line(facts),
        f"- Inference settings (ONNX metadata `pothole_settings`): `{facts.settings_json}`",
    ]


def _operating_line(facts: CardFacts) -> str:
    op = facts.training.get("operating_point", {})
    if facts.companion is not None:
        return (
            f"- Operating confidence of the pair {facts.companion.pair_conf}: best F1 on the **val** splits, "
            f"never chosen on test (the tile model alone: {op.get('conf', '?')})"
        )
    measured = f" (val: P {op['precision']}, R {op['recall']}, mAP50 {op['map50']})" if "map50" in op else ""
    return (
        f"- Operating confidence {op.get('conf', '?')}: best F1 ({op.get('f1', '?')}) on the **val** splits, "
        f"never chosen on test{measured}"
    )


def _companion_lines(companion: CompanionFacts, project_root: Path) -> list[str]:
    lines = [
        f"## The pair: whole-frame companion `{companion.model_id}`",
        "",
        "In service this card's tile model runs its native-resolution tiles (no full-frame pass of its own) "
        "and the companion runs once over the whole frame; their boxes are merged like one model's windows "
        f"(`detector/pair.py`), at the pair's operating confidence {companion.pair_conf} (chosen on val).",
        "",
        f"- Files: `{companion.onnx_name}` (FP32)"
        + (f", `{companion.int8_name}` (static INT8)" if companion.int8_name else ""),
        *_model_lines(companion),
        "",
    ]
    if companion.curves_png:
        lines += [f"![companion training curves]({companion.curves_png})", ""]
    for name, command in companion.commands.items():
        lines += [f"companion {name}:", "```bash", portable_text(command, project_root), "```"]
    return [*lines, ""]


def dataset_licence(data_yaml: Path) -> str:
    """The "License" section of the dataset's PROVENANCE.md, or what we know of it by name."""
    folders = [data_yaml.parent]
    try:
        folders.insert(0, Path(read_data_yaml(data_yaml)["path"]))
    except (OSError, ValueError):
        pass
    for folder in folders:
        provenance = folder / "PROVENANCE.md"
        if provenance.exists():
            found = re.search(r"^## Licen[cs]e[^\n]*\n(.*?)(?=^## |\Z)", provenance.read_text(), re.M | re.S)
            if found:
                bullets = [line.strip().removeprefix("- ") for line in found.group(1).splitlines()]
                return " ".join(" ".join(b for b in bullets if b).split())
    for name, text in KNOWN_LICENCES.items():
        if any(name in str(folder) for folder in folders):
            return text
    return "unknown: no PROVENANCE.md beside the data; check the licence before using this model"


def git_commit(project_root: Path) -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=project_root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(  # only the code that makes and runs a model
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "training", "detector"],
            cwd=project_root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{commit}{' (with uncommitted changes in training/ or detector/)' if dirty else ''}"


def read_results_csv(results_csv: Path) -> dict[str, list[float]]:
    with results_csv.open() as handle:
        rows = list(csv.DictReader(handle))
    columns: dict[str, list[float]] = {}
    for row in rows:
        for key, value in row.items():
            try:
                columns.setdefault(key.strip(), []).append(float(value))
            except (TypeError, ValueError):
                continue
    return columns


def plot_training_curves(results_csv: Path, out_png: Path) -> Path:
    """Losses per epoch (and mAP where the run validated) from results.csv; Agg backend, no font fetch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = read_results_csv(results_csv)
    epochs = columns.get("epoch", [])
    figure, (loss_axis, map_axis) = plt.subplots(1, 2, figsize=(10, 4))
    for key in ("train/box_loss", "train/cls_loss", "train/dfl_loss"):
        if key in columns:
            loss_axis.plot(epochs, columns[key], label=key.split("/")[1])
    loss_axis.set(xlabel="epoch", ylabel="loss", title="training loss")
    loss_axis.legend()
    for key in ("metrics/mAP50(B)", "metrics/mAP50-95(B)"):
        values = columns.get(key, [])
        points = [(e, v) for e, v in zip(epochs, values, strict=False) if v > 0]
        if points:
            map_axis.plot(*zip(*points, strict=True), marker="o", label=key.split("/")[1])
    map_axis.set(xlabel="epoch", ylabel="mAP", title="val mAP (epochs that validated)")
    if map_axis.lines:
        map_axis.legend()
    figure.tight_layout()
    out_png.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out_png, dpi=80)
    plt.close(figure)
    return out_png


def _metrics_rows(title: str, metrics: dict[str, Metrics]) -> list[str]:
    rows = [
        f"| {title} | images | boxes | mAP50 | mAP50-95 | precision | recall | F1 | conf |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, m in metrics.items():
        rows.append(
            f"| {name} | {m.images} | {m.boxes} | {m.map50:.3f} | {m.map50_95:.3f} | {m.precision:.3f} "
            f"| {m.recall:.3f} | {m.f1:.3f} | {m.conf:.3f} |"
        )
    return rows


def _target_lines(facts: CardFacts) -> list[str]:
    """Issue 3's targets, reached or not, so the card says plainly where the model stands."""
    lines = []
    for name, target in TARGET_MAP50.items():
        if name in facts.test_metrics:
            value = facts.test_metrics[name].map50
            lines.append(
                f"- {name} test mAP50 {value:.3f} vs target {target:.2f}: "
                f"{'reached' if value >= target else 'NOT reached'}"
            )
    for name, fp32 in facts.test_metrics.items():
        if name in facts.int8_metrics:
            drop = fp32.map50 - facts.int8_metrics[name].map50
            lines.append(
                f"- {name} INT8 mAP50 drop {drop:+.3f} vs allowed {INT8_MAX_DROP:.2f}: "
                f"{'within' if drop <= INT8_MAX_DROP else 'OUTSIDE'}"
            )
    return ["## Targets", "", *lines, ""] if lines else []


def render_card(facts: CardFacts, project_root: Path) -> str:
    """Markdown model card."""
    training = facts.training
    sources = [Path(p) for p in training.get("source_data", [])]
    dataset_files = [Path(p) for p in training.get("datasets", [])] or sources
    lines = [
        f"# Model card: {facts.model_id}",
        "",
        f"- Promoted: {datetime.now(UTC):%Y-%m-%d %H:%M UTC}; project commit {git_commit(project_root)}",
        f"- Files: `{facts.onnx_name}` (FP32)"
        + (f", `{facts.int8_name}` (static INT8, QDQ per-channel)" if facts.int8_name else ""),
        *_model_lines(facts),
        _operating_line(facts),
        "",
        "## Data and licences",
        "",
    ]
    for data_yaml in dataset_files:
        lines.append(f"- {dataset_reference(data_yaml, project_root)}: {dataset_licence(data_yaml)}")
    lines += ["", "## Test metrics (through `detector/`, the production path, model's own settings)", ""]
    lines += _metrics_rows("FP32 test split", facts.test_metrics)
    if facts.int8_metrics:
        lines += ["", *_metrics_rows("INT8 test split", facts.int8_metrics)]
    lines += [
        "",
        "mAP over 10 IoU thresholds with ultralytics' COCO-style 101-point interpolation: `ap_per_class` "
        "for whole-frame models; for tiled models the detector's output at each threshold of a confidence "
        "grid (its cross-window merge depends on the threshold, see training/sweep.py) and `compute_ap`. "
        "Precision / recall / F1 are counted at the operating confidence.",
        "",
    ]
    lines += _target_lines(facts)
    if facts.decision:
        lines += [f"## The promotion decision ({facts.decided_on} splits, never test)", ""]
        for title, metrics in facts.decision.items():
            lines += [*_metrics_rows(f"{title} ({facts.decided_on})", metrics), ""]
    if facts.notes.strip():
        lines += [facts.notes.strip(), ""]
    if facts.speed_ms:
        lines += ["## Speed on this CPU", ""]
        lines += [f"- {name}: {value:.1f} ms" for name, value in facts.speed_ms.items()]
        lines += ["", "(measured while the machine was shared; treat as an upper bound)", ""]
    if facts.curves_png:
        lines += ["## Training curves", "", f"![training curves]({facts.curves_png})", ""]
    if facts.companion is not None:
        lines += _companion_lines(facts.companion, project_root)
    lines += [
        "## Limits",
        "",
        "- Trained on highway survey frames from southern Brazil (roof camera, steeper than a windscreen "
        "dashcam) and on web / handheld photos; not yet validated on the service's own city streets. "
        "Check it on a labelled sample of your own frames before trusting the numbers above.",
        "- dnit-rs-es labels are incomplete in places (PROVENANCE.md), so some 'false positives' are "
        "unlabelled potholes; its val potholes are much smaller than its train potholes.",
        "",
        "## Reproduce",
        "",
    ]
    for name, command in facts.commands.items():
        lines += [f"{name}:", "```bash", portable_text(command, project_root), "```"]
    return "\n".join(lines) + "\n"
