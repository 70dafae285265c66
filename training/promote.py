"""Put a candidate model in service only if it is not worse than the one in service.

Both models are evaluated by the same code (through `detector/`, each with its own settings) on the same
fixed sets: each dataset's **val** split, because choosing a model is tuning and test splits are never
tuned on; the card then reports the promoted model's test metrics. The rule: on every dataset, candidate
mAP50 >= current mAP50 - margin. A model that gains on one dataset by losing on another is refused,
because the service sees both kinds of frame. With no model in service, the first candidate is promoted.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from training.evaluate import evaluate, load_detector
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
    weights: Path, request: PromoteRequest, progress, split: str | None = None
) -> dict[str, Metrics]:
    return {
        dataset_name(p): evaluate(
            weights, [p], split or request.split, threads=request.threads, progress=progress
        )
        for p in request.data_yamls
    }


def _write_json_atomic(path: Path, value: dict) -> None:
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(value, indent=2) + "\n")
    os.replace(temporary, path)


def promote(request: PromoteRequest, log=print, progress=None) -> PromoteResult:
    """Evaluate, decide, and (if promoted) write weights/<id>.onnx, -int8.onnx, .md, .png, current.json."""
    from training.card_writer import write_card

    candidate_detector = load_detector(request.candidate)
    model_id = candidate_detector.info.model_id
    current_entry = read_current(request.weights_dir)
    if current_entry and current_entry.get("model_id") == model_id:
        return PromoteResult(
            Decision(False, (f"{model_id} is already in service",)), model_id, {}, None, None
        )
    log(
        f"evaluating candidate {model_id} on the {request.split} split "
        f"of {len(request.data_yamls)} dataset(s)"
    )
    candidate = _evaluate_all(request.candidate, request, progress)
    current = None
    if current_entry:
        log(f"evaluating the model in service {current_entry['model_id']}")
        current = _evaluate_all(request.weights_dir / current_entry["onnx"], request, progress)
    decision = decide(candidate, current, request.margin)
    if not decision.promote:
        return PromoteResult(decision, model_id, candidate, current, None)
    request.weights_dir.mkdir(parents=True, exist_ok=True)
    onnx_name = f"{model_id}.onnx"
    if request.candidate.resolve() != (request.weights_dir / onnx_name).resolve():
        shutil.copy2(request.candidate, request.weights_dir / onnx_name)
    int8_name, int8_metrics = None, {}
    if request.int8 is not None:
        int8_name = f"{model_id}-int8.onnx"
        if request.int8.resolve() != (request.weights_dir / int8_name).resolve():
            shutil.copy2(request.int8, request.weights_dir / int8_name)
        log(f"evaluating the INT8 model on the {request.report_split} split")
        int8_metrics = _evaluate_all(request.weights_dir / int8_name, request, progress, request.report_split)
    log(f"evaluating the candidate on the {request.report_split} split for its card")
    reported = _evaluate_all(request.weights_dir / onnx_name, request, progress, request.report_split)
    card = write_card(
        request,
        model_id,
        onnx_name,
        int8_name,
        reported,
        int8_metrics,
        candidate,
        current,
        current_entry.get("model_id") if current_entry else None,
    )
    _write_json_atomic(
        request.weights_dir / "current.json",
        {"model_id": model_id, "onnx": onnx_name, "int8": int8_name, "card": card.name},
    )
    return PromoteResult(decision, model_id, candidate, current, card)
