"""Put a candidate model in service only if it is not worse than the one in service.

Both models are evaluated by the same code (through `detector/`, each with its own settings) on the same
fixed sets: each dataset's **val** split, because choosing a model is tuning and test splits are never
tuned on; the card then reports the promoted model's test metrics. The rule: on every dataset, candidate
mAP50 >= current mAP50 - margin. A model that gains on one dataset by losing on another is refused,
because the service sees both kinds of frame. With no model in service, the first candidate is promoted.

A candidate may be a pair: a tile model plus a whole-frame `companion`, run as one detector
(detector.pair). Its operating confidence is chosen on val for the pair as a whole and written into
current.json beside both models' files.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from training.evaluate import EvaluationError, evaluate_detector, load_detector, operating_conf
from training.export import int8_path_for
from training.metrics import Metrics

__all__ = ["Decision", "PromoteRequest", "PromoteResult", "decide", "dataset_name", "read_current", "promote"]


@dataclass(frozen=True, slots=True)
class Decision:
    promote: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PromoteRequest:
    candidate: Path
    weights_dir: Path
    data_yamls: tuple[Path, ...]
    margin: float = 0.0
    int8: Path | None = None
    split: str = "val"          # what the decision is made on
    report_split: str = "test"  # what the card reports
    command: str = ""
    threads: int | None = None
    notes: str = ""             # markdown appended to the card (e.g. how this model was chosen)
    companion: Path | None = None       # a whole-frame model that runs with `candidate` as a pair
    companion_int8: Path | None = None


@dataclass(frozen=True, slots=True)
class PromoteResult:
    decision: Decision
    model_id: str
    candidate: dict[str, Metrics]
    current: dict[str, Metrics] | None
    card: Path | None


def dataset_name(data_yaml: Path) -> str:
    """`datasets/dnit-rs-es.yaml` and `.../dnit-rs-es/data.yaml` are both `dnit-rs-es`."""
    return data_yaml.parent.name if data_yaml.stem == "data" else data_yaml.stem


def decide(candidate: dict[str, Metrics], current: dict[str, Metrics] | None, margin: float) -> Decision:
    """Not worse by more than `margin` (mAP50) on any dataset; datasets missing on either side refuse."""
    if margin < 0:
        raise ValueError(f"margin={margin} must be >= 0")
    if current is None:
        return Decision(True, ("no model in service: the first candidate is promoted",))
    reasons, worse = [], False
    for name in sorted(set(candidate) | set(current)):
        if name not in candidate or name not in current:
            worse = True
            reasons.append(f"{name}: evaluated for only one of the two models")
            continue
        new, old = candidate[name].map50, current[name].map50
        verdict = "not worse" if new >= old - margin else "WORSE"
        worse |= verdict == "WORSE"
        reasons.append(f"{name}: mAP50 {new:.4f} vs {old:.4f} in service (margin {margin}): {verdict}")
    return Decision(not worse, tuple(reasons))


def read_current(weights_dir: Path) -> dict | None:
    manifest = weights_dir / "current.json"
    if not manifest.is_file():
        return None
    entry = json.loads(manifest.read_text())
    if not (weights_dir / entry["onnx"]).is_file():
        raise FileNotFoundError(f"{manifest}: 'onnx'={entry['onnx']} does not exist")
    return entry


def _evaluate_all(
    detector, request: PromoteRequest, progress, split: str | None = None
) -> dict[str, Metrics]:
    return {
        dataset_name(p): evaluate_detector(detector, [p], split or request.split, progress=progress)
        for p in request.data_yamls
    }


def load_entry(weights_dir: Path, entry: dict, *, int8: bool = False, threads: int | None = None):
    """The detector a current.json entry puts in service (one model or its pair)."""
    name = (entry.get("int8") if int8 else None) or entry["onnx"]
    companion = entry.get("companion")
    if companion is None:
        return load_detector(weights_dir / name, threads)
    companion_name = (companion.get("int8") if int8 else None) or companion["onnx"]
    pair = load_detector(weights_dir / name, threads, weights_dir / companion_name)
    return pair.with_settings(pair.settings.with_overrides(conf=float(entry["pair_conf"])))


def pair_model_id(tiles_id: str, whole_id: str) -> str:
    digest = hashlib.sha256(f"{tiles_id}+{whole_id}".encode()).hexdigest()[:6]
    return f"pw-{datetime.now(UTC):%Y%m%d}-pair-{digest}"


def _write_json_atomic(path: Path, value: dict) -> None:
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(value, indent=2) + "\n")
    os.replace(temporary, path)


def promote(request: PromoteRequest, log=print, progress=None) -> PromoteResult:
    """Evaluate, decide, and (if promoted) write the model files, the card, curves and current.json."""
    from training.card_writer import write_card

    candidate = load_detector(request.candidate, request.threads, request.companion)
    if request.companion is not None:
        tiles_id, whole_id = candidate.tiles.info.model_id, candidate.whole.info.model_id
        model_id = pair_model_id(tiles_id, whole_id)
        log(f"choosing the pair's operating confidence on val of {len(request.data_yamls)} dataset(s)")
        try:
            conf, _ = operating_conf(candidate, list(request.data_yamls), "val", progress)
        except EvaluationError as error:
            raise ValueError(str(error)) from error
        candidate = candidate.with_settings(candidate.settings.with_overrides(conf=conf))
    else:
        model_id = candidate.info.model_id
    current_entry = read_current(request.weights_dir)
    if current_entry and current_entry.get("model_id") == model_id:
        return PromoteResult(
            Decision(False, (f"{model_id} is already in service",)), model_id, {}, None, None
        )
    log(f"evaluating candidate {model_id} on the {request.split} split")
    decided = _evaluate_all(candidate, request, progress)
    current = None
    if current_entry:
        log(f"evaluating the model in service {current_entry['model_id']}")
        current = _evaluate_all(load_entry(request.weights_dir, current_entry, threads=request.threads),
                                request, progress)
    decision = decide(decided, current, request.margin)
    if not decision.promote:
        return PromoteResult(decision, model_id, decided, current, None)
    request.weights_dir.mkdir(parents=True, exist_ok=True)
    installed = _install(request.candidate, request.int8, request.weights_dir)
    entry: dict[str, Any] = {"model_id": model_id, **installed}
    if request.companion is not None:
        entry["companion"] = _install(request.companion, request.companion_int8, request.weights_dir)
        entry["pair_conf"] = candidate.settings.conf
    int8_metrics: dict[str, Metrics] = {}
    if entry.get("int8") and (request.companion is None or entry["companion"].get("int8")):
        log(f"evaluating the INT8 files on the {request.report_split} split")
        int8_detector = load_entry(request.weights_dir, entry, int8=True, threads=request.threads)
        int8_metrics = _evaluate_all(int8_detector, request, progress, request.report_split)
    log(f"evaluating the candidate on the {request.report_split} split for its card")
    reported = _evaluate_all(candidate, request, progress, request.report_split)
    card = write_card(
        request,
        model_id,
        entry,
        reported,
        int8_metrics,
        decided,
        current,
        current_entry.get("model_id") if current_entry else None,
    )
    _write_json_atomic(request.weights_dir / "current.json", {**entry, "card": card.name})
    return PromoteResult(decision, model_id, decided, current, card)


def _install(onnx_path: Path, int8_path: Path | None, weights_dir: Path) -> dict[str, str | None]:
    """Copy one model's files into weights/ under its model id; returns their names for current.json."""
    model_id = load_detector(onnx_path).info.model_id
    names: dict[str, str | None] = {"onnx": f"{model_id}.onnx", "int8": None}
    if onnx_path.resolve() != (weights_dir / f"{model_id}.onnx").resolve():
        shutil.copy2(onnx_path, weights_dir / f"{model_id}.onnx")
    int8_path = int8_path or (int8_path_for(onnx_path) if int8_path_for(onnx_path).is_file() else None)
    if int8_path is not None:
        int8_name = names["int8"] = f"{model_id}-int8.onnx"
        if int8_path.resolve() != (weights_dir / int8_name).resolve():
            shutil.copy2(int8_path, weights_dir / int8_name)
    return names
