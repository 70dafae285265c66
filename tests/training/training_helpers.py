"""Plain helpers for the training tests (a uniquely named module: every test folder has a conftest)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def write_image(path: Path, size_wh: tuple[int, int] = (64, 48), seed: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    cv2.imwrite(str(path), rng.integers(0, 255, (size_wh[1], size_wh[0], 3), dtype=np.uint8))
    return path
