"""Detector fixtures: the tiny exported test models and real frames from ../shared."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from tiny_yolo_models import TinyModels, build_test_models, cache_dir, offline_ultralytics_env


@pytest.fixture(scope="session", autouse=True)
def _offline_ultralytics() -> None:
    """Any ultralytics import in these tests (references only) stays offline with private settings."""
    offline_ultralytics_env(cache_dir() / "ultralytics-config")


@pytest.fixture(scope="session")
def test_models(shared_dir: Path) -> TinyModels:
    return build_test_models(shared_dir)


@pytest.fixture(scope="session")
def dynamic_onnx(test_models: TinyModels) -> Path:
    return test_models.dynamic_onnx


@pytest.fixture(scope="session")
def fixed_onnx(test_models: TinyModels) -> Path:
    return test_models.fixed_onnx


def real_frames(
    shared_dir: Path, dataset: str, count: int, *, distinct_shapes: bool = False
) -> list[tuple[str, np.ndarray]]:
    """Up to `count` val images of a dataset in name order; optionally one per image shape."""
    frames: list[tuple[str, np.ndarray]] = []
    shapes: set[tuple[int, ...]] = set()
    for path in sorted((shared_dir / "datasets" / dataset / "images" / "val").glob("*.jpg")):
        image = cv2.imread(str(path))
        if image is None or (distinct_shapes and image.shape in shapes):
            continue
        shapes.add(image.shape)
        frames.append((path.name, image))
        if len(frames) == count:
            break
    return frames


@pytest.fixture(scope="session")
def dashcam_frames(shared_dir: Path) -> list[tuple[str, np.ndarray]]:
    """1024x640 forward-camera frames (dnit-rs-es)."""
    return real_frames(shared_dir, "dnit-rs-es", 4)


@pytest.fixture(scope="session")
def mixed_frames(shared_dir: Path) -> list[tuple[str, np.ndarray]]:
    """Web photos of assorted sizes (chitholian-potholes), each a different shape."""
    return real_frames(shared_dir, "chitholian-potholes", 4, distinct_shapes=True)
