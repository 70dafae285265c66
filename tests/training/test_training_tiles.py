"""Native-resolution tiles (training/tiles.py) and the training-set builder (training/data.py)."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest
import yaml
from training_helpers import write_image

from training.data import TilingPlan, build_training_set, label_path_for, read_data_yaml, split_images
from training.tiles import Tile, boxes_in_tile, tile_grid, tile_starts


@pytest.mark.parametrize(
    ("length", "tile", "overlap"),
    [(1024, 416, 0.2), (640, 416, 0.2), (416, 416, 0.2), (300, 416, 0.2), (1920, 640, 0.25), (1000, 333, 0)],
)
def test_tile_starts_cover_the_frame_with_the_overlap(length: int, tile: int, overlap: float) -> None:
    starts = tile_starts(length, tile, overlap)
    assert starts[0] == 0
    assert min(starts[-1] + tile, length) == length                 # last tile flush with the edge
    for a, b in zip(starts, starts[1:], strict=False):
        assert b > a and (a + tile) - b >= overlap * tile - 1        # at least the asked overlap (rounding)


def test_dashcam_frame_is_six_tiles() -> None:
    tiles = list(tile_grid((1024, 640), 416, 0.2))
    assert len(tiles) == 6
    assert all(t.x1_px - t.x0_px == 416 and t.y1_px - t.y0_px == 416 for t in tiles)


def test_boxes_are_clipped_into_tile_pixels_and_slivers_flag_the_tile() -> None:
    tile = Tile(100, 100, 516, 516)
    kept, ambiguous = boxes_in_tile([(150, 150, 200, 180)], tile)
    assert kept == [(50, 50, 100, 80)] and not ambiguous
    kept, ambiguous = boxes_in_tile([(500, 150, 600, 180)], tile)   # 16 % inside: a sliver
    assert kept == [] and ambiguous
    kept, ambiguous = boxes_in_tile([(600, 600, 700, 700)], tile)   # outside
    assert kept == [] and not ambiguous


def test_build_training_set_tiles_big_train_frames_only(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    frame = write_image(root / "images" / "train" / "frame.jpg", (1024, 640))
    (root / "labels" / "train").mkdir(parents=True)
    # one 40x20 px pothole at x 100..140, y 500..520: inside the bottom-left tiles only
    (root / "labels" / "train" / "frame.txt").write_text(
        f"0 {120 / 1024:.6f} {510 / 640:.6f} {40 / 1024:.6f} {20 / 640:.6f}\n")
    write_image(root / "images" / "train" / "photo.jpg", (400, 300))
    (root / "labels" / "train" / "photo.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    write_image(root / "images" / "val" / "vframe.jpg", (1024, 640))
    (root / "data.yaml").write_text(yaml.safe_dump({"path": ".", "train": "images/train", "val": "images/val",
                                                    "names": {0: "pothole"}}))
    data_yaml = build_training_set([root / "data.yaml"], tmp_path / "set",
                                   TilingPlan(tile_px=416, empty_tile_keep_frac=1.0))
    config = read_data_yaml(data_yaml)
    assert Path(config["path"]).is_absolute()
    train = split_images(config, "train")
    assert root / "images" / "train" / "photo.jpg" in [p.resolve() for p in train]  # small photo: whole
    tiles = [p for p in train if "__x" in p.name]
    assert len(tiles) == 6                                                          # all kept (keep 1.0)
    assert [p.name for p in split_images(config, "val")] == ["vframe.jpg"]          # val is never tiled
    positives = {p.name: label_path_for(p).read_text() for p in tiles if label_path_for(p).read_text()}
    assert set(positives) == {"frame__x0_y224.jpg"}
    cx, cy, w, h = map(float, positives["frame__x0_y224.jpg"].split()[1:])
    assert (round(cx * 416), round(cy * 416 + 224), round(w * 416), round(h * 416)) == (120, 510, 40, 20)
    tile = cv2.imread(str(tiles[0]))
    assert tile.shape[:2] == (416, 416) and frame.exists()
