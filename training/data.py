"""Build a training set from YOLO datasets: file lists for small photos, native-resolution tiles for
large dashcam frames, and a data.yaml with absolute paths (ultralytics resolves a relative `path:`
against its own settings, not the YAML's folder).

Nothing from ../shared is copied except tiles, which are new images; they live in the cache folder
outside the repository, never in git. Every other image is listed through a symlink inside the set (with a
symlink to its label), because ultralytics writes its label cache beside the labels folder it reads: that
must be the set's folder, never the dataset's own (../shared is read-only and shared by every checkout).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import yaml

from training.tiles import Tile, boxes_in_tile, tile_grid

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
SPLITS = ("train", "val", "test")


@dataclass(frozen=True, slots=True)
class TilingPlan:
    """How large frames are cut. Frames whose long side is >= 2 * tile_px are tiled."""

    tile_px: int = 416
    overlap_frac: float = 0.2
    empty_tile_keep_frac: float = 0.35
    seed: int = 0

    def should_tile(self, frame_wh: tuple[int, int]) -> bool:
        return max(frame_wh) >= 2 * self.tile_px


def read_data_yaml(data_yaml: Path) -> dict:
    """A YOLO data.yaml with its `path` resolved against the YAML's own folder."""
    config = yaml.safe_load(data_yaml.read_text())
    root = Path(config.get("path") or ".")
    config["path"] = str(root if root.is_absolute() else (data_yaml.parent / root).resolve())
    return config


def split_images(config: dict, split: str) -> list[Path]:
    """Images of one split: a folder, a list file, or a list of either."""
    entry = config.get(split)
    if entry is None:
        return []
    root = Path(config["path"])
    entries = entry if isinstance(entry, list) else [entry]
    images: list[Path] = []
    for item in entries:
        path = Path(item) if Path(item).is_absolute() else root / item
        if path.is_dir():
            images += sorted(p for p in path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        elif path.suffix == ".txt":
            for line in path.read_text().splitlines():
                if line.strip():
                    p = Path(line.strip())
                    images.append(p if p.is_absolute() else (path.parent / p).resolve())
    return images


def label_path_for(image_path: Path) -> Path:
    """Ultralytics' rule: the last /images/ in the path becomes /labels/, suffix .txt."""
    text = str(image_path)
    head, sep, tail = text.rpartition("/images/")
    return Path(f"{head}/labels/{tail}" if sep else text).with_suffix(".txt")


def read_boxes_px(label_path: Path, frame_wh: tuple[int, int]) -> list[tuple[float, float, float, float]]:
    width_px, height_px = frame_wh
    boxes = []
    if label_path.exists():
        for line in label_path.read_text().splitlines():
            parts = line.split()
            if len(parts) == 5:
                _, cx, cy, w, h = map(float, parts)
                boxes.append(((cx - w / 2) * width_px, (cy - h / 2) * height_px,
                              (cx + w / 2) * width_px, (cy + h / 2) * height_px))
    return boxes


def dataset_name_of(data_yaml: Path) -> str:
    """`datasets/dnit-rs-es.yaml` and `.../dnit-rs-es/data.yaml` are both `dnit-rs-es`."""
    return data_yaml.parent.name if data_yaml.stem == "data" else data_yaml.stem


def link_into(image_path: Path, out_dir: Path, dataset: str, split: str) -> Path:
    """A symlink to `image_path` (and one to its label, if any) under out_dir/links/; returns the link."""
    images = out_dir / "links" / dataset / "images" / split
    labels = out_dir / "links" / dataset / "labels" / split
    images.mkdir(parents=True, exist_ok=True)
    labels.mkdir(parents=True, exist_ok=True)
    target = image_path.resolve()
    link = images / image_path.name
    index = 0
    while link.is_symlink() and link.resolve() != target:  # same name in two sub-folders of one split
        index += 1
        link = images / f"{index}-{image_path.name}"
    if not link.is_symlink():
        link.symlink_to(target)
    label = label_path_for(image_path)
    label_link = labels / f"{link.stem}.txt"
    if label.exists() and not label_link.is_symlink():
        label_link.symlink_to(label.resolve())
    return link


def _keep_empty(name: str, plan: TilingPlan) -> bool:
    digest = hashlib.sha256(f"{plan.seed}:{name}".encode()).digest()
    return digest[0] / 255.0 < plan.empty_tile_keep_frac


def write_tiles(image_path: Path, out_images: Path, out_labels: Path, plan: TilingPlan) -> list[Path]:
    """Cut one frame into tiles with their clipped labels; returns the tile image paths written."""
    image = cv2.imread(str(image_path))
    if image is None:
        raise ValueError(f"{image_path}: cannot be decoded as an image")
    frame_wh = (image.shape[1], image.shape[0])
    boxes = read_boxes_px(label_path_for(image_path), frame_wh)
    written: list[Path] = []
    for tile in tile_grid(frame_wh, plan.tile_px, plan.overlap_frac):
        kept, ambiguous = boxes_in_tile(boxes, tile)
        name = f"{image_path.stem}__x{tile.x0_px}_y{tile.y0_px}"
        if ambiguous or (not kept and not _keep_empty(name, plan)):
            continue
        tile_path = out_images / f"{name}.jpg"
        if not tile_path.exists():
            cv2.imwrite(str(tile_path), image[tile.y0_px:tile.y1_px, tile.x0_px:tile.x1_px],
                        [cv2.IMWRITE_JPEG_QUALITY, 95])
        (out_labels / f"{name}.txt").write_text(_yolo_lines(kept, tile))
        written.append(tile_path)
    return written


def _yolo_lines(boxes_px: Iterable[tuple[float, float, float, float]], tile: Tile) -> str:
    width_px, height_px = tile.x1_px - tile.x0_px, tile.y1_px - tile.y0_px
    return "".join(
        f"0 {(x1 + x2) / 2 / width_px:.6f} {(y1 + y2) / 2 / height_px:.6f} "
        f"{(x2 - x1) / width_px:.6f} {(y2 - y1) / height_px:.6f}\n"
        for x1, y1, x2, y2 in boxes_px
    )


def build_training_set(data_yamls: list[Path], out_dir: Path, plan: TilingPlan, progress=None) -> Path:
    """Combine datasets into out_dir/data.yaml (+ per-split lists); returns the data.yaml path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lists: dict[str, list[str]] = {split: [] for split in SPLITS}
    sources = []
    for data_yaml in data_yamls:
        config = read_data_yaml(data_yaml)
        sources.append({"data": str(data_yaml.resolve()), "names": config.get("names")})  # cwd-proof
        for split in SPLITS:
            images = split_images(config, split)
            iterator = progress(images, desc=f"{data_yaml.parent.name}/{split}") if progress else images
            for image_path in iterator:
                frame = cv2.imread(str(image_path), cv2.IMREAD_REDUCED_GRAYSCALE_8)
                frame_wh = (frame.shape[1] * 8, frame.shape[0] * 8) if frame is not None else (0, 0)
                if split == "train" and plan.should_tile(frame_wh):
                    tile_root = out_dir / "tiles" / data_yaml.parent.name
                    (tile_root / "images" / split).mkdir(parents=True, exist_ok=True)
                    (tile_root / "labels" / split).mkdir(parents=True, exist_ok=True)
                    lists[split] += [str(p) for p in write_tiles(
                        image_path, tile_root / "images" / split, tile_root / "labels" / split, plan)]
                else:
                    link = link_into(image_path, out_dir, dataset_name_of(data_yaml), split)
                    lists[split].append(str(link))
    for split, paths in lists.items():
        (out_dir / f"{split}.txt").write_text("\n".join(paths) + "\n")
    data = {"path": str(out_dir), "train": "train.txt", "val": "val.txt", "test": "test.txt",
            "names": {0: "pothole"}}
    (out_dir / "data.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    (out_dir / "manifest.json").write_text(json.dumps(
        {"sources": sources, "tiling": asdict(plan), "counts": {k: len(v) for k, v in lists.items()}},
        indent=2))
    return out_dir / "data.yaml"
