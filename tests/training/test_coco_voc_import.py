"""COCO JSON and Pascal VOC (CVAT / Label Studio exports) -> YOLO labels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from training_helpers import write_image

from training.convert import ConversionError, import_coco, import_voc, yolo_line
from training.dataset_check import check_dataset


def test_yolo_line_normalises_and_clips() -> None:
    assert yolo_line(0, (10, 20, 30, 60), (100, 200)) == "0 0.200000 0.200000 0.200000 0.200000"
    assert yolo_line(1, (-10, 0, 10, 10), (100, 100)) == "1 0.050000 0.050000 0.100000 0.100000"
    assert yolo_line(0, (120, 0, 150, 10), (100, 100)) is None   # wholly outside


def test_coco_import(tmp_path: Path) -> None:
    images = tmp_path / "export" / "images"
    write_image(images / "f1.jpg", (100, 50))
    write_image(images / "f2.jpg", (100, 50), seed=1)
    coco = {
        "categories": [{"id": 7, "name": "pothole"}, {"id": 3, "name": "crack"}],   # ids not contiguous
        "images": [{"id": 1, "file_name": "../../upload/1/f1.jpg", "width": 100, "height": 50},  # LS path
                   {"id": 2, "file_name": "f2.jpg", "width": 100, "height": 50},
                   {"id": 3, "file_name": "gone.jpg", "width": 100, "height": 50}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 7, "bbox": [10, 10, 20, 10], "iscrowd": 0},
            {"id": 2, "image_id": 1, "category_id": 3, "bbox": [90, 40, 20, 20], "iscrowd": 0},  # clipped
            {"id": 3, "image_id": 1, "category_id": 7, "bbox": [0, 0, 50, 50], "iscrowd": 1},     # crowd
            {"id": 4, "image_id": 1, "category_id": 7, "bbox": [10, 10, 0, 5]},                   # no area
        ],
    }
    coco_json = tmp_path / "export" / "result.json"
    coco_json.write_text(json.dumps(coco))
    summary = import_coco(coco_json, images, tmp_path / "out", split="val")
    assert (summary.images, summary.boxes, summary.negatives, summary.skipped_boxes) == (2, 2, 1, 2)
    assert summary.missing_images == ("gone.jpg",)
    data = yaml.safe_load(summary.data_yaml.read_text())
    assert data["names"] == {0: "crack", 1: "pothole"} and data["val"] == "images/val"
    lines = (tmp_path / "out" / "labels" / "val" / "f1.txt").read_text().splitlines()
    assert lines == ["1 0.200000 0.300000 0.200000 0.200000", "0 0.950000 0.900000 0.100000 0.200000"]
    assert (tmp_path / "out" / "labels" / "val" / "f2.txt").read_text() == ""
    assert check_dataset(summary.data_yaml).ok


def test_coco_not_coco(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text('{"images": []}')
    with pytest.raises(ConversionError, match="categories"):
        import_coco(bad, tmp_path, tmp_path / "out")


VOC_XML = """<annotation><filename>{name}</filename>
<size><width>200</width><height>100</height><depth>3</depth></size>{objects}</annotation>"""
VOC_OBJECT = ("<object><name>{cls}</name><bndbox><xmin>{x1}</xmin><ymin>{y1}</ymin>"
              "<xmax>{x2}</xmax><ymax>{y2}</ymax></bndbox></object>")


def _voc(tmp_path: Path) -> Path:
    voc = tmp_path / "voc"
    for index, (stem, objects) in enumerate({"a": [("pothole", 1, 1, 200, 100)],
                                             "b": [("pothole", 51, 26, 100, 75), ("patch", 1, 1, 10, 10)],
                                             "c": []}.items()):
        write_image(voc / "JPEGImages" / f"{stem}.jpg", (200, 100), seed=index)
        body = "".join(VOC_OBJECT.format(cls=c, x1=x1, y1=y1, x2=x2, y2=y2) for c, x1, y1, x2, y2 in objects)
        (voc / "Annotations").mkdir(parents=True, exist_ok=True)
        (voc / "Annotations" / f"{stem}.xml").write_text(VOC_XML.format(name=f"{stem}.jpg", objects=body))
    (voc / "ImageSets" / "Main").mkdir(parents=True)
    (voc / "ImageSets" / "Main" / "train.txt").write_text("a\nb\n")
    (voc / "ImageSets" / "Main" / "val.txt").write_text("c\n")
    return voc


def test_voc_import_keeps_splits_and_one_based_pixels(tmp_path: Path) -> None:
    summary = import_voc(_voc(tmp_path), tmp_path / "out", names=["pothole"])
    assert (summary.images, summary.boxes, summary.negatives, summary.skipped_boxes) == (3, 2, 1, 1)
    out = tmp_path / "out"
    # VOC xmin=1..xmax=200 is the whole 200 px row
    assert (out / "labels" / "train" / "a.txt").read_text() == "0 0.500000 0.500000 1.000000 1.000000\n"
    assert (out / "labels" / "train" / "b.txt").read_text() == "0 0.375000 0.500000 0.250000 0.500000\n"
    assert (out / "labels" / "val" / "c.txt").read_text() == ""
    data = yaml.safe_load(summary.data_yaml.read_text())
    assert data["train"] == "images/train" and data["val"] == "images/val" and data["names"] == {0: "pothole"}
    assert check_dataset(summary.data_yaml).ok


def test_voc_names_default_to_sorted_classes(tmp_path: Path) -> None:
    summary = import_voc(_voc(tmp_path), tmp_path / "out")
    assert yaml.safe_load(summary.data_yaml.read_text())["names"] == {0: "patch", 1: "pothole"}
    assert summary.boxes == 3


def test_voc_bad_xml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "Annotations").mkdir()
    bad_xml = "<annotation><object><name>p</name></object></annotation>"
    (tmp_path / "Annotations" / "x.xml").write_text(bad_xml)
    with pytest.raises(ConversionError, match="x.xml"):
        import_voc(tmp_path, tmp_path / "out")
