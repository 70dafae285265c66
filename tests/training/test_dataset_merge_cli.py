"""`pothole dataset merge/stats` and the CLI's bad-input contract (one line, exit 2, no traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import pothole_cli
from training.data import read_data_yaml, split_images
from training.merge import MergeError, merge_datasets

GOOD = "0 0.5 0.5 0.2 0.2\n"


def test_merge_lists_files_without_copying(make_dataset, tmp_path: Path) -> None:
    a = make_dataset({"train": {"a1": GOOD, "a2": ""}, "val": {"a3": GOOD}}, root=tmp_path / "a")
    b = make_dataset({"train": {"b1": GOOD}, "test": {"b2": GOOD}}, root=tmp_path / "b", names=["pothole"])
    merged = merge_datasets([a, b], tmp_path / "merged")
    config = read_data_yaml(merged)
    assert [p.name for p in split_images(config, "train")] == ["a1.jpg", "a2.jpg", "b1.jpg"]
    assert [p.name for p in split_images(config, "test")] == ["b2.jpg"]
    assert all(p.is_absolute() for p in split_images(config, "train"))
    listed = list((tmp_path / "merged").rglob("*.jpg"))
    assert listed and all(p.is_symlink() for p in listed)  # links, never copies
    assert {p.resolve().parent.parent.parent.name for p in listed} == {"a", "b"}
    assert yaml.safe_load(merged.read_text())["names"] == {0: "pothole"}


def test_label_caches_land_in_the_merged_set_not_the_sources(make_dataset, tmp_path: Path) -> None:
    """Ultralytics writes `<labels folder>.cache` beside the labels it reads through the listed path."""
    from training.data import label_path_for

    a = make_dataset({"train": {"a1": GOOD, "a2": None}, "val": {"a3": GOOD}}, root=tmp_path / "a")
    merged = merge_datasets([a], tmp_path / "merged")
    train = split_images(read_data_yaml(merged), "train")
    labels = [label_path_for(p) for p in train]
    assert all(tmp_path / "merged" in label.parents for label in labels)
    assert labels[0].read_text() == GOOD and labels[0].resolve() == (tmp_path / "a/labels/train/a1.txt")
    assert not labels[1].exists()  # a negative stays a negative


def test_merge_refuses_different_classes(make_dataset, tmp_path: Path) -> None:
    a = make_dataset({"train": {"a": GOOD}}, root=tmp_path / "a")
    b = make_dataset({"train": {"b": GOOD}}, root=tmp_path / "b", names={0: "crack"})
    with pytest.raises(MergeError, match="names"):
        merge_datasets([a, b], tmp_path / "m")


def test_cli_merge_and_stats(make_dataset, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = make_dataset({"train": {"a1": GOOD, "a2": ""}}, root=tmp_path / "a")
    assert pothole_cli.main(["dataset", "merge", str(a), "--out", str(tmp_path / "m")]) == 0
    assert pothole_cli.main(["dataset", "stats", str(tmp_path / "m" / "data.yaml")]) == 0
    out = capsys.readouterr().out
    assert "train" in out and "negatives" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["dataset", "check", "missing.yaml"],
        ["dataset", "stats", "missing.yaml"],
        ["evaluate", "--weights", "missing.onnx", "--data", "missing.yaml"],
        ["export", "missing.pt", "--out", "x.onnx"],
        ["promote", "missing.onnx"],
        ["train", "--data", "missing.yaml"],
        ["train"],
        ["train", "--name", "never-ran", "--resume", "--runs-dir", "/nonexistent-runs"],
        ["export", "missing.pt", "--out", "x.txt"],
        ["evaluate", "--data", "missing.yaml", "--split", "test"],
        ["dataset", "import-coco", "missing.json", "--images", ".", "--out", "o"],
        ["dataset", "import-voc", "missing_dir", "--out", "o"],
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert pothole_cli.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "error:" in err[0] and "Traceback" not in err[0]


def test_check_exits_1_naming_the_bad_file(make_dataset, capsys: pytest.CaptureFixture[str]) -> None:
    data = make_dataset({"train": {"a": GOOD, "b": "0 0.5 0.5 0 0.1\n"}})
    assert pothole_cli.main(["dataset", "check", str(data)]) == 1
    assert "b.txt:1: box has no area" in capsys.readouterr().err
