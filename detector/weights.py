"""Where the project's current model lives: POTHOLE_WEIGHTS, else weights/current.json."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from detector.errors import WeightsNotFoundError

__all__ = ["WEIGHTS_ENV", "CurrentModel", "current_model", "current_weights_path", "weights_dirs"]

WEIGHTS_ENV = "POTHOLE_WEIGHTS"


def weights_dirs() -> tuple[Path, ...]:
    """Where current.json is looked for: beside the package (checkout or editable install), then cwd."""
    package_root = Path(__file__).resolve().parent.parent
    candidates = (package_root / "weights", Path.cwd() / "weights")
    unique: list[Path] = []
    for folder in candidates:
        if folder not in unique:
            unique.append(folder)
    return tuple(unique)


@dataclass(frozen=True, slots=True)
class CurrentModel:
    """What is in service: one ONNX file, or a tile model plus a whole-frame `companion` run as a pair.

    `pair_conf` is the pair's operating confidence (chosen on val when the pair was promoted); a single
    model keeps its own, stored in its ONNX metadata.
    """

    model_id: str | None
    onnx: Path
    companion: Path | None = None
    pair_conf: float | None = None


def current_model(int8: bool = False) -> CurrentModel:
    """The model in service: `POTHOLE_WEIGHTS` (one .onnx) overrides weights/current.json."""
    override = os.environ.get(WEIGHTS_ENV)
    if override:
        return CurrentModel(None, current_weights_path(int8))
    for folder in weights_dirs():
        manifest = folder / "current.json"
        if manifest.is_file():
            return _read_manifest(manifest, int8=int8)
    return CurrentModel(None, current_weights_path(int8))  # raises with the places searched


def current_weights_path(int8: bool = False) -> Path:
    """The .onnx to load by default. `POTHOLE_WEIGHTS` (a path to an .onnx) overrides everything.

    `int8=True` picks the quantised variant named in current.json and falls back to the float model
    when none was published.
    """
    override = os.environ.get(WEIGHTS_ENV)
    if override:
        path = Path(override).expanduser()
        if not path.is_file():
            raise WeightsNotFoundError(f"{WEIGHTS_ENV}={override}: no such file")
        return path
    searched = weights_dirs()
    for folder in searched:
        manifest = folder / "current.json"
        if manifest.is_file():
            return _resolve_manifest(manifest, int8=int8)
    raise WeightsNotFoundError(
        "no model weights: pass --weights PATH, set POTHOLE_WEIGHTS, or publish weights/current.json "
        f"(searched {', '.join(str(f / 'current.json') for f in searched)})"
    )


def _resolve_manifest(manifest: Path, *, int8: bool) -> Path:
    return _read_manifest(manifest, int8=int8).onnx


def _read_manifest(manifest: Path, *, int8: bool) -> CurrentModel:
    try:
        entry = json.loads(manifest.read_text(encoding="utf-8"))
        name = (entry.get("int8") if int8 else None) or entry["onnx"]
        companion = entry.get("companion")
        companion_name = None
        if companion is not None:
            companion_name = (companion.get("int8") if int8 else None) or companion["onnx"]
        pair_conf = entry.get("pair_conf")
        if companion is not None and not (isinstance(pair_conf, int | float) and 0 <= pair_conf <= 1):
            raise ValueError("a companion needs 'pair_conf' in [0, 1]")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise WeightsNotFoundError(
            f"{manifest}: not a valid current.json with an 'onnx' entry ({exc})"
        ) from exc
    paths = [manifest.parent / str(n) for n in (name, companion_name) if n is not None]
    for path in paths:
        if not path.is_file():
            raise WeightsNotFoundError(f"{manifest}: {path.name} names a file that does not exist ({path})")
    return CurrentModel(
        model_id=entry.get("model_id"),
        onnx=paths[0],
        companion=paths[1] if len(paths) > 1 else None,
        pair_conf=float(pair_conf) if companion is not None else None,
    )
