"""Import COCO JSON and Pascal VOC (what CVAT and Label Studio export) into the YOLO layout.

Output: `out/images/<split>/`, `out/labels/<split>/` and `out/data.yaml`. Images are copied (an import
is a new dataset that must outlive the export folder). Boxes are clipped to the image; boxes with no
area after clipping and COCO `iscrowd` regions are skipped and counted, never silently kept.
Images without any box get an empty label file: a negative, which YOLO training uses.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

import yaml

__all__ = ["ConversionError", "ImportSummary", "import_coco", "import_voc", "yolo_line"]


class ConversionError(ValueError):
    """The export cannot be read: the message names the file and the field."""


@dataclass(frozen=True, slots=True)
class ImportSummary:
    data_yaml: Path
    images: int
    boxes: int
    negatives: int
    skipped_boxes: int
    missing_images: tuple[str, ...]


def yolo_line(
    class_id: int, xyxy_px: tuple[float, float, float, float], image_wh: tuple[int, int]
) -> str | None:
    """`class cx cy w h` normalised, clipped to the image; None when nothing of the box is left."""
    width_px, height_px = image_wh
    x1, y1, x2, y2 = xyxy_px
    x1, x2 = max(0.0, min(x1, width_px)), max(0.0, min(x2, width_px))
    y1, y2 = max(0.0, min(y1, height_px)), max(0.0, min(y2, height_px))
    if x2 - x1 <= 0 or y2 - y1 <= 0:
        return None
    return (
        f"{class_id} {(x1 + x2) / 2 / width_px:.6f} {(y1 + y2) / 2 / height_px:.6f} "
        f"{(x2 - x1) / width_px:.6f} {(y2 - y1) / height_px:.6f}"
    )


def _find_image(file_name: str, search_dirs: list[Path]) -> Path | None:
    """Exports write paths relative to their own storage (Label Studio: `../../data/upload/1/x.jpg`)."""
    candidate = Path(file_name)
    for base in search_dirs:
        for path in (base / candidate, base / candidate.name):
            if path.is_file():
                return path
    return None


def _write_dataset(out_dir: Path, split: str, names: list[str], items: list[tuple[Path, list[str]]]) -> Path:
    images_dir, labels_dir = out_dir / "images" / split, out_dir / "labels" / split
    images_dir.mkdir(parents=True, exist_ok=True)
    labels_dir.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    for image_path, lines in items:
        stem = image_path.stem
        while stem in used:  # two folders may hold the same file name
            stem += "_"
        used.add(stem)
        shutil.copy2(image_path, images_dir / f"{stem}{image_path.suffix.lower()}")
        (labels_dir / f"{stem}.txt").write_text("".join(f"{line}\n" for line in lines))
    data_yaml = out_dir / "data.yaml"
    data = yaml.safe_load(data_yaml.read_text()) if data_yaml.exists() else {"path": "."}
    data[split] = f"images/{split}"
    data["names"] = dict(enumerate(names))
    data_yaml.write_text(yaml.safe_dump(data, sort_keys=False))
    return data_yaml


def import_coco(coco_json: Path, images_dir: Path, out_dir: Path, split: str = "train") -> ImportSummary:
    """COCO detection JSON (categories, images, annotations with bbox [x, y, w, h] px) -> YOLO."""
    try:
        coco = json.loads(coco_json.read_text())
        categories = sorted(coco["categories"], key=lambda c: c["id"])
        images = coco["images"]
        annotations = coco.get("annotations", [])
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ConversionError(f"{coco_json}: not a COCO detection file ({error!r})") from error
    class_of = {category["id"]: index for index, category in enumerate(categories)}
    by_image: dict[int, list[dict]] = {}
    for annotation in annotations:
        by_image.setdefault(annotation["image_id"], []).append(annotation)
    items: list[tuple[Path, list[str]]] = []
    missing: list[str] = []
    boxes = skipped = 0
    search_dirs = [images_dir, coco_json.parent]
    for image in images:
        image_path = _find_image(image["file_name"], search_dirs)
        if image_path is None:
            missing.append(image["file_name"])
            continue
        lines = []
        for annotation in by_image.get(image["id"], []):
            if (
                annotation.get("iscrowd")
                or annotation["category_id"] not in class_of
                or not annotation.get("bbox")
            ):
                skipped += 1
                continue
            x, y, w, h = (float(v) for v in annotation["bbox"])
            line = yolo_line(
                class_of[annotation["category_id"]],
                (x, y, x + w, y + h),
                (int(image["width"]), int(image["height"])),
            )
            if line is None:
                skipped += 1
                continue
            lines.append(line)
        boxes += len(lines)
        items.append((image_path, lines))
    data_yaml = _write_dataset(out_dir, split, [str(c["name"]) for c in categories], items)
    negatives = sum(1 for _, lines in items if not lines)
    return ImportSummary(data_yaml, len(items), boxes, negatives, skipped, tuple(missing))


def _voc_coord(box: ElementTree.Element, tag: str) -> float:
    """One <bndbox> coordinate; ValueError when it is missing or not a number."""
    text = box.findtext(tag)
    if text is None:
        raise ValueError(f"<{tag}> is missing")
    return float(text)


def _voc_objects(
    xml_path: Path,
) -> tuple[str, tuple[int, int] | None, list[tuple[str, tuple[float, float, float, float]]]]:
    try:
        root = ElementTree.parse(xml_path).getroot()
    except ElementTree.ParseError as error:
        raise ConversionError(f"{xml_path}: not XML ({error})") from error
    file_name = root.findtext("filename") or f"{xml_path.stem}.jpg"
    size = root.find("size")
    wh = None
    if size is not None and int(float(size.findtext("width") or 0)) > 0:
        wh = (int(float(size.findtext("width") or 0)), int(float(size.findtext("height") or 0)))
    objects = []
    for obj in root.iter("object"):
        box = obj.find("bndbox")
        name = (obj.findtext("name") or "").strip()
        if box is None or not name:
            raise ConversionError(f"{xml_path}: an <object> has no <name> or <bndbox>")
        try:
            # VOC pixel indices are 1-based and inclusive: xmin=1..xmax=W covers the whole row
            coords = (
                _voc_coord(box, "xmin") - 1,
                _voc_coord(box, "ymin") - 1,
                _voc_coord(box, "xmax"),
                _voc_coord(box, "ymax"),
            )
        except ValueError as error:
            raise ConversionError(f"{xml_path}: bndbox of {name!r} is not numeric") from error
        objects.append((name, coords))
    return file_name, wh, objects


def _split_members(voc_dir: Path) -> dict[str, str]:
    """stem -> split from ImageSets/Main/{train,val,test}.txt when the export has them."""
    members: dict[str, str] = {}
    for split in ("train", "val", "test"):
        listing = voc_dir / "ImageSets" / "Main" / f"{split}.txt"
        if listing.exists():
            for line in listing.read_text().split():
                members.setdefault(line.strip(), split)
    return members


def import_voc(
    voc_dir: Path, out_dir: Path, names: list[str] | None = None, split: str = "train"
) -> ImportSummary:
    """Pascal VOC folder (Annotations/*.xml + JPEGImages/ or images/) -> YOLO; keeps ImageSets splits."""
    annotation_dir = voc_dir / "Annotations" if (voc_dir / "Annotations").is_dir() else voc_dir
    xml_files = sorted(annotation_dir.rglob("*.xml"))
    if not xml_files:
        raise ConversionError(f"{voc_dir}: no VOC .xml annotations found")
    parsed = [(path, *_voc_objects(path)) for path in xml_files]
    class_names = names or sorted({name for *_, objects in parsed for name, _ in objects})
    class_of = {name: index for index, name in enumerate(class_names)}
    members = _split_members(voc_dir)
    search_dirs = [voc_dir / "JPEGImages", voc_dir / "images", voc_dir]
    per_split: dict[str, list[tuple[Path, list[str]]]] = {}
    missing: list[str] = []
    boxes = skipped = 0
    for xml_path, file_name, wh, objects in parsed:
        image_path = _find_image(file_name, search_dirs + [xml_path.parent])
        if image_path is None:
            missing.append(file_name)
            continue
        if wh is None:
            from PIL import Image

            with Image.open(image_path) as image:
                wh = image.size
        lines = []
        for name, coords in objects:
            line = yolo_line(class_of[name], coords, wh) if name in class_of else None
            if line is None:
                skipped += 1
                continue
            lines.append(line)
        boxes += len(lines)
        per_split.setdefault(members.get(xml_path.stem, split), []).append((image_path, lines))
    data_yaml = out_dir / "data.yaml"
    for split_name, items in per_split.items():
        data_yaml = _write_dataset(out_dir, split_name, class_names, items)
    items_all = [item for items in per_split.values() for item in items]
    negatives = sum(1 for _, lines in items_all if not lines)
    return ImportSummary(data_yaml, len(items_all), boxes, negatives, skipped, tuple(missing))
