"""Training test fixtures: ultralytics offline with its settings in a temp folder; small YOLO datasets."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from training_helpers import write_image


@pytest.fixture(scope="session", autouse=True)
def _offline_ultralytics(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Ultralytics writes settings.json under YOLO_CONFIG_DIR: never the home folder in tests."""
    values = {
        "YOLO_CONFIG_DIR": str(tmp_path_factory.mktemp("ultralytics-config")),
        "YOLO_OFFLINE": "1",
        "POTHOLE_RUNS_DIR": str(tmp_path_factory.mktemp("runs")),
    }
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


MakeDataset = Callable[..., Path]


@pytest.fixture
def make_dataset(tmp_path: Path) -> MakeDataset:
    """make_dataset({"train": {"a": "0 0.5 0.5 0.2 0.2\\n"}, "val": {...}}) -> data.yaml (None = no label)."""

    def make(splits: dict[str, dict[str, str | None]], root: Path | None = None,
             names: object = None, size_wh: tuple[int, int] = (64, 48)) -> Path:
        root = root or tmp_path / "ds"
        for seed_base, (split, items) in enumerate(splits.items()):
            for index, (stem, label) in enumerate(items.items()):
                write_image(root / "images" / split / f"{stem}.jpg", size_wh, seed=seed_base * 1000 + index)
                if label is not None:
                    label_path = root / "labels" / split / f"{stem}.txt"
                    label_path.parent.mkdir(parents=True, exist_ok=True)
                    label_path.write_text(label)
        data = {"path": ".", **{split: f"images/{split}" for split in splits},
                "names": names if names is not None else {0: "pothole"}}
        (root / "data.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
        return root / "data.yaml"

    return make
