"""`pothole dataset check`: each kind of bad label is named with its file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from training.dataset_check import check_dataset, check_label_text

GOOD = "0 0.5 0.5 0.2 0.2\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0 0.5 0.5 0.2\n", "expected 5 fields"),
        ("0 0.5 0.5 0.2 0.2 0.9\n", "expected 5 fields"),
        ("0 0.5 abc 0.2 0.2\n", "not numeric"),
        ("1 0.5 0.5 0.2 0.2\n", "class id 1 is not one of 0..0"),
        ("-1 0.5 0.5 0.2 0.2\n", "class id -1"),
        ("0.5 0.5 0.5 0.2 0.2\n", "class id 0.5"),
        ("0 1.2 0.5 0.2 0.2\n", "outside [0,1]"),
        ("0 0.95 0.5 0.2 0.2\n", "outside [0,1]"),       # centre inside, right edge at 1.05
        ("0 0.5 0.5 0 0.2\n", "no area"),
        ("0 0.5 0.5 0.2 -0.1\n", "no area"),
        ("0 nan 0.5 0.2 0.2\n", "non-finite"),
    ],
)
def test_each_kind_of_bad_label_is_named_with_its_line(text: str, expected: str) -> None:
    boxes, problems = check_label_text(GOOD + text, Path("x.txt"), class_count=1)
    assert boxes == 1
    assert len(problems) == 1
    assert problems[0].line == 2
    assert expected in problems[0].message
    assert str(problems[0]).startswith("x.txt:2: ")


def test_good_labels_and_empty_lines_pass() -> None:
    boxes, problems = check_label_text(GOOD + "\n" + "0 0.1 0.1 0.2 0.2\n", Path("x.txt"), class_count=1)
    assert (boxes, problems) == (2, [])


def test_clean_dataset_counts_boxes_and_negatives(make_dataset) -> None:
    data = make_dataset({"train": {"a": GOOD, "b": "", "c": None}, "val": {"d": GOOD * 2}})
    report = check_dataset(data)
    assert report.ok
    by_split = {s.split: s for s in report.summaries}
    assert (by_split["train"].images, by_split["train"].boxes, by_split["train"].negatives) == (3, 1, 2)
    assert (by_split["val"].images, by_split["val"].boxes) == (1, 2)
    assert any("no label file" in w.message for w in report.warnings)   # a missing label is only a warning


def test_bad_label_undecodable_image_and_cross_split_duplicate(make_dataset, tmp_path: Path) -> None:
    data = make_dataset({"train": {"a": GOOD, "b": "3 0.5 0.5 0.1 0.1\n"}, "val": {"c": GOOD}})
    root = data.parent
    (root / "images" / "train" / "broken.jpg").write_bytes(b"not a jpeg")
    (root / "labels" / "train" / "broken.txt").write_text(GOOD)
    shutil.copy(root / "images" / "train" / "a.jpg", root / "images" / "val" / "a_copy.jpg")
    (root / "labels" / "val" / "a_copy.txt").write_text(GOOD)
    report = check_dataset(data)
    assert not report.ok
    messages = [str(p) for p in report.problems]
    assert any("b.txt:1" in m and "class id 3" in m for m in messages)
    assert any("broken.jpg" in m and "does not decode" in m for m in messages)
    duplicates = [m for m in messages if "several splits" in m]
    assert len(duplicates) == 2 and any("a_copy.jpg" in m for m in duplicates)


def test_real_dnit_dataset_is_clean(shared_dir: Path) -> None:
    report = check_dataset(shared_dir / "datasets" / "dnit-rs-es" / "data.yaml")
    assert report.ok, report.problems[:5]
    assert {s.split: (s.images, s.boxes, s.negatives) for s in report.summaries} == {
        "train": (316, 614, 105), "val": (87, 134, 29), "test": (87, 127, 29)}   # as PROVENANCE.md says
