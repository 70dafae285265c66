"""Per-split counts and box sizes: the numbers that decide input resolution and tiling.

Box sizes are reported as a share of the image and in pixels, with COCO's small / medium / large
buckets (area < 32², < 96², >= 96² px), because a set of mostly small boxes needs tiles or a larger
input, not more epochs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from training.data import SPLITS, label_path_for, read_data_yaml, split_images

__all__ = ["SplitStats", "dataset_stats"]

SMALL_AREA_PX2 = 32 * 32
MEDIUM_AREA_PX2 = 96 * 96


@dataclass(frozen=True, slots=True)
class SplitStats:
    split: str
    images: int
    boxes: int
    negatives: int
    box_width_frac_p50: float
    box_height_frac_p50: float
    box_area_frac_p10: float
    box_area_frac_p50: float
    box_area_frac_p90: float
    box_width_px_p50: float
    small_boxes: int
    medium_boxes: int
    large_boxes: int


def _image_wh(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:  # reads the header only
        return image.size


def _split_stats(split: str, images: list[Path]) -> SplitStats:
    widths_frac: list[float] = []
    heights_frac: list[float] = []
    areas_px2: list[float] = []
    widths_px: list[float] = []
    negatives = 0
    for image_path in images:
        label_path = label_path_for(image_path)
        rows = [line.split() for line in label_path.read_text().splitlines()] if label_path.exists() else []
        rows = [row for row in rows if len(row) == 5]
        if not rows:
            negatives += 1
            continue
        width_px, height_px = _image_wh(image_path)
        for row in rows:
            w, h = float(row[3]), float(row[4])
            widths_frac.append(w)
            heights_frac.append(h)
            widths_px.append(w * width_px)
            areas_px2.append(w * width_px * h * height_px)
    areas = np.asarray(areas_px2)
    area_frac = np.asarray(widths_frac) * np.asarray(heights_frac)

    def pct(values: np.ndarray | list[float], q: float) -> float:
        return float(np.percentile(values, q)) if len(values) else 0.0

    return SplitStats(
        split=split,
        images=len(images),
        boxes=len(areas),
        negatives=negatives,
        box_width_frac_p50=pct(widths_frac, 50),
        box_height_frac_p50=pct(heights_frac, 50),
        box_area_frac_p10=pct(area_frac, 10),
        box_area_frac_p50=pct(area_frac, 50),
        box_area_frac_p90=pct(area_frac, 90),
        box_width_px_p50=pct(widths_px, 50),
        small_boxes=int((areas < SMALL_AREA_PX2).sum()),
        medium_boxes=int(((areas >= SMALL_AREA_PX2) & (areas < MEDIUM_AREA_PX2)).sum()),
        large_boxes=int((areas >= MEDIUM_AREA_PX2).sum()),
    )


def dataset_stats(data_yaml: Path) -> list[SplitStats]:
    """Stats for every split the data.yaml names."""
    config = read_data_yaml(data_yaml)
    return [
        _split_stats(split, split_images(config, split)) for split in SPLITS if config.get(split) is not None
    ]
