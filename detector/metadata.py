"""What an ONNX file says about itself: ultralytics' metadata plus our settings, checked against its graph.

Ultralytics stores metadata as str(python literal), so it is parsed with `ast.literal_eval`, never `eval`;
our `pothole_settings` is JSON (a python literal is accepted too). Anything that is not a (B, 4+nc, N)
YOLO detection head is refused with a ModelLoadError naming the file and what is wrong.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import onnxruntime as ort

from detector.errors import ModelLoadError
from detector.types import InferenceSettings, ModelInfo

__all__ = ["MODEL_ID_KEY", "SETTINGS_KEY", "read_model_info"]

SETTINGS_KEY, MODEL_ID_KEY = "pothole_settings", "pothole_model_id"


def _literal(metadata: Mapping[str, str], key: str, path: Path) -> Any:
    try:
        return ast.literal_eval(metadata[key])
    except (KeyError, ValueError, SyntaxError, TypeError) as exc:
        raise ModelLoadError(f"{path}: not a YOLO detection model (no readable '{key}' metadata)") from exc


def _read_settings(metadata: Mapping[str, str], path: Path) -> InferenceSettings:
    raw = metadata.get(SETTINGS_KEY)
    if not raw:
        return InferenceSettings()
    try:
        values = json.loads(raw)
    except ValueError:
        try:
            values = ast.literal_eval(raw)
        except (ValueError, SyntaxError) as exc:
            raise ModelLoadError(f"{path}: metadata '{SETTINGS_KEY}' is neither JSON nor a literal") from exc
    try:
        return InferenceSettings.from_mapping(values)
    except (TypeError, ValueError, AttributeError) as exc:
        raise ModelLoadError(f"{path}: metadata '{SETTINGS_KEY}' is invalid: {exc}") from exc


def read_model_info(session: ort.InferenceSession, path: Path) -> ModelInfo:
    """Metadata + graph signature -> ModelInfo, or ModelLoadError naming the file and what is wrong."""
    metadata = session.get_modelmeta().custom_metadata_map
    if metadata.get("task", "detect") != "detect":
        raise ModelLoadError(f"{path}: a '{metadata['task']}' model, not a YOLO detection model")
    names = _literal(metadata, "names", path)
    imgsz = _literal(metadata, "imgsz", path)
    if not isinstance(names, dict) or not names:
        raise ModelLoadError(f"{path}: metadata 'names' is not a non-empty {{id: name}} mapping")
    if isinstance(imgsz, int):
        imgsz = [imgsz, imgsz]
    inputs, outputs = session.get_inputs(), session.get_outputs()
    if len(inputs) != 1 or len(inputs[0].shape) != 4:
        raise ModelLoadError(
            f"{path}: expected one (B, 3, H, W) image input, got {[i.shape for i in inputs]}"
        )
    out_shape = outputs[0].shape
    nc = len(names)
    if len(out_shape) != 3 or (isinstance(out_shape[1], int) and out_shape[1] != 4 + nc):
        detail = "an end-to-end (NMS-in-graph) export" if out_shape[-1:] == [6] else "not a YOLO head"
        raise ModelLoadError(f"{path}: output0 shape {out_shape} is {detail}; expected (B, 4+{nc}, N)")
    batch_dim, _, h_dim, w_dim = inputs[0].shape
    dynamic = not (isinstance(h_dim, int) and isinstance(w_dim, int))
    input_hw = (int(imgsz[0]), int(imgsz[1])) if dynamic else (int(h_dim), int(w_dim))
    return ModelInfo(
        model_id=str(metadata.get(MODEL_ID_KEY) or path.stem),
        class_names=tuple(str(names[i]) for i in sorted(names)),
        input_hw=input_hw,
        stride=int(metadata.get("stride", 32)),
        dynamic=dynamic,
        settings=_read_settings(metadata, path),
        batch=int(batch_dim) if isinstance(batch_dim, int) else None,
        providers=tuple(session.get_providers()),
    )
