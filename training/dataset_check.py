"""Check a YOLO dataset before any training time is spent on it.

Each problem names the file and what is wrong with it, so a labeller can fix the one bad line instead of
re-exporting a whole project. Duplicates are found by content hash, because the same photo under two
names in train and test silently inflates every metric.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from training.data import SPLITS, label_path_for, read_data_yaml, split_images

__all__ = ["LabelProblem", "SplitSummary", "CheckReport", "check_label_text", "check_dataset"]


@dataclass(frozen=True, slots=True)
class LabelProblem:
    """One bad file: `line` is 1-based, 0 when the problem concerns the whole file."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class SplitSummary:
    split: str
    images: int
    boxes: int
    negatives: int
    bad_files: int


@dataclass(frozen=True, slots=True)
class CheckReport:
    data_yaml: Path
    summaries: tuple[SplitSummary, ...]
    problems: tuple[LabelProblem, ...]
    warnings: tuple[LabelProblem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems


def check_label_text(text: str, path: Path, class_count: int) -> tuple[int, list[LabelProblem]]:
    """Validate YOLO detection lines `class cx cy w h` (normalised); returns (boxes, problems)."""
    problems: list[LabelProblem] = []
    boxes = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        parts = raw.split()
        if not parts:
            continue
        if len(parts) != 5:
            problems.append(
                LabelProblem(path, number, f"expected 5 fields 'class cx cy w h', got {len(parts)}")
            )
            continue
        try:
            class_value = float(parts[0])
            cx, cy, w, h = (float(v) for v in parts[1:])
        except ValueError:
            problems.append(LabelProblem(path, number, f"not numeric: {raw.strip()!r}"))
            continue
        if not class_value.is_integer() or not 0 <= class_value < class_count:
            problems.append(
                LabelProblem(
                    path, number, f"class id {parts[0]} is not one of 0..{class_count - 1} (data.yaml names)"
                )
            )
            continue
        values = np.array([cx, cy, w, h])
        if not np.isfinite(values).all():
            problems.append(LabelProblem(path, number, f"non-finite value in {raw.strip()!r}"))
            continue
        if w <= 0 or h <= 0:
            problems.append(LabelProblem(path, number, f"box has no area: w={w} h={h}"))
            continue
        x1, y1, x2, y2 = cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2
        tolerance = 1e-6
        if (
            min(cx, cy, w, h) < 0
            or max(cx, cy, w, h) > 1
            or min(x1, y1) < -tolerance
            or max(x2, y2) > 1 + tolerance
        ):
            problems.append(LabelProblem(path, number, f"box outside [0,1]: cx={cx} cy={cy} w={w} h={h}"))
            continue
        boxes += 1
    return boxes, problems


def check_dataset(data_yaml: Path, progress=None) -> CheckReport:
    """Decode every image, parse every label, and look for the same image in two splits."""
    config = read_data_yaml(data_yaml)
    names = config.get("names") or {}
    class_count = len(names)
    problems: list[LabelProblem] = []
    warnings: list[LabelProblem] = []
    if class_count == 0:
        problems.append(LabelProblem(data_yaml, 0, "data.yaml has no 'names'"))
    summaries: list[SplitSummary] = []
    seen: dict[str, list[tuple[str, Path]]] = defaultdict(list)
    for split in SPLITS:
        if config.get(split) is None:
            continue
        images = split_images(config, split)
        if not images:
            problems.append(LabelProblem(data_yaml, 0, f"split {split!r} lists no images"))
        box_total = negatives = 0
        bad_files: set[Path] = set()
        iterator = progress(images, desc=split) if progress else images
        for image_path in iterator:
            if not image_path.exists():
                problems.append(LabelProblem(image_path, 0, "image file is missing"))
                bad_files.add(image_path)
                continue
            data = image_path.read_bytes()
            seen[hashlib.sha256(data).hexdigest()].append((split, image_path))
            if cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) is None:
                problems.append(LabelProblem(image_path, 0, "image does not decode"))
                bad_files.add(image_path)
            label_path = label_path_for(image_path)
            if not label_path.exists():
                warnings.append(LabelProblem(label_path, 0, "no label file: counted as a negative"))
                negatives += 1
                continue
            boxes, label_problems = check_label_text(
                label_path.read_text(errors="replace"), label_path, max(class_count, 1)
            )
            if label_problems:
                problems += label_problems
                bad_files.add(label_path)
            box_total += boxes
            negatives += boxes == 0 and not label_problems
        summaries.append(SplitSummary(split, len(images), box_total, negatives, len(bad_files)))
    for copies in seen.values():
        splits = {split for split, _ in copies}
        if len(splits) > 1:
            listed = ", ".join(f"{split}:{path}" for split, path in copies)
            for _, path in copies:
                problems.append(LabelProblem(path, 0, f"same image content in several splits ({listed})"))
        elif len(copies) > 1:
            listed = ", ".join(str(path) for _, path in copies)
            warnings.append(LabelProblem(copies[0][1], 0, f"duplicated within {copies[0][0]}: {listed}"))
    return CheckReport(data_yaml, tuple(summaries), tuple(problems), tuple(warnings))
