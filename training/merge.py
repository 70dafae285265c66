"""Combine YOLO datasets by file lists, never by copying images.

The merged data.yaml holds absolute paths (ultralytics resolves a relative `path:` against its own
settings, not the YAML's folder) and lists each split's images as symlinks inside out_dir, each with a
symlink to its label (ultralytics' rule `/images/` -> `/labels/`): its label cache then lands in out_dir,
never in the source datasets.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from training.data import SPLITS, dataset_name_of, link_into, read_data_yaml, split_images

__all__ = ["MergeError", "normalised_names", "merge_datasets"]


class MergeError(ValueError):
    """The datasets cannot be combined (different classes)."""


def normalised_names(names: object) -> dict[int, str]:
    """data.yaml `names` as a dict, whether written as a list or a mapping."""
    if isinstance(names, list):
        return dict(enumerate(str(n) for n in names))
    if isinstance(names, dict):
        return {int(k): str(v) for k, v in names.items()}
    raise MergeError(f"names: expected a list or mapping, got {names!r}")


def merge_datasets(data_yamls: list[Path], out_dir: Path) -> Path:
    """Write out_dir/{train,val,test}.txt and out_dir/data.yaml; returns the data.yaml path."""
    if not data_yamls:
        raise MergeError("no data.yaml given")
    out_dir.mkdir(parents=True, exist_ok=True)
    names: dict[int, str] | None = None
    lists: dict[str, list[str]] = {split: [] for split in SPLITS}
    for data_yaml in data_yamls:
        config = read_data_yaml(data_yaml)
        these = normalised_names(config.get("names"))
        if names is None:
            names = these
        elif these != names:
            raise MergeError(f"{data_yaml}: names {these} differ from {names} of {data_yamls[0]}")
        for split in SPLITS:
            name = dataset_name_of(data_yaml)
            lists[split] += [str(link_into(p, out_dir, name, split)) for p in split_images(config, split)]
    data: dict[str, object] = {"path": str(out_dir.resolve())}
    for split, paths in lists.items():
        if paths:
            (out_dir / f"{split}.txt").write_text("\n".join(paths) + "\n")
            data[split] = f"{split}.txt"
    data["names"] = names
    (out_dir / "data.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    (out_dir / "sources.json").write_text(
        json.dumps(
            {
                "sources": [str(p.resolve()) for p in data_yamls],
                "counts": {k: len(v) for k, v in lists.items()},
            },
            indent=2,
        )
    )
    return out_dir / "data.yaml"
