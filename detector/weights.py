"""Where the project's current model lives: POTHOLE_WEIGHTS, else weights/current.json."""

from __future__ import annotations

import json
import os
from pathlib import Path

from detector.errors import WeightsNotFoundError

__all__ = ["WEIGHTS_ENV", "current_weights_path", "weights_dirs"]

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
    try:
        entry = json.loads(manifest.read_text(encoding="utf-8"))
        name = (entry.get("int8") if int8 else None) or entry["onnx"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise WeightsNotFoundError(
            f"{manifest}: not a valid current.json with an 'onnx' entry ({exc})"
        ) from exc
    path = manifest.parent / str(name)
    if not path.is_file():
        raise WeightsNotFoundError(f"{manifest}: 'onnx'={name} names a file that does not exist ({path})")
    return path
