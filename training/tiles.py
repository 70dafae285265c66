"""Native-resolution tiles of dashcam frames, so small distant potholes keep their pixels.

A 1024x640 survey frame shrunk to a 416 px input leaves a 28 px pothole about 11 px wide; cut into
416 px tiles at full resolution it keeps all 28. The same tile grid is used at inference time
(`detector` tiling settings), so the model sees potholes at the scale it was trained on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Tile:
    """One tile window in frame pixels (x0, y0 inclusive; x1, y1 exclusive)."""

    x0_px: int
    y0_px: int
    x1_px: int
    y1_px: int


def tile_starts(length_px: int, tile_px: int, overlap_frac: float) -> list[int]:
    """Start offsets covering [0, length) with tiles of tile_px overlapping by at least overlap_frac."""
    if tile_px >= length_px:
        return [0]
    stride_px = max(1, int(tile_px * (1.0 - overlap_frac)))
    count = 1 + -(-(length_px - tile_px) // stride_px)  # ceil division
    if count == 1:
        return [0]
    step = (length_px - tile_px) / (count - 1)
    return [round(i * step) for i in range(count)]


def tile_grid(frame_wh: tuple[int, int], tile_px: int, overlap_frac: float) -> Iterator[Tile]:
    """Tiles covering the whole frame, evenly spread, the last one flush with the frame's edge."""
    width_px, height_px = frame_wh
    for y0 in tile_starts(height_px, tile_px, overlap_frac):
        for x0 in tile_starts(width_px, tile_px, overlap_frac):
            yield Tile(x0, y0, min(x0 + tile_px, width_px), min(y0 + tile_px, height_px))


def boxes_in_tile(
    boxes_xyxy_px: list[tuple[float, float, float, float]], tile: Tile, min_kept_frac: float = 0.5
) -> tuple[list[tuple[float, float, float, float]], bool]:
    """Boxes clipped to the tile, in tile pixels; the flag says a box was cut below min_kept_frac.

    A tile where a pothole is cut to a sliver is ambiguous as a training example (neither a clean
    positive nor a negative), so the caller skips it.
    """
    kept: list[tuple[float, float, float, float]] = []
    ambiguous = False
    for x1, y1, x2, y2 in boxes_xyxy_px:
        cx1, cy1 = max(x1, tile.x0_px), max(y1, tile.y0_px)
        cx2, cy2 = min(x2, tile.x1_px), min(y2, tile.y1_px)
        if cx2 <= cx1 or cy2 <= cy1:
            continue
        kept_frac = (cx2 - cx1) * (cy2 - cy1) / max((x2 - x1) * (y2 - y1), 1e-9)
        if kept_frac < min_kept_frac:
            ambiguous = True
            continue
        kept.append((cx1 - tile.x0_px, cy1 - tile.y0_px, cx2 - tile.x0_px, cy2 - tile.y0_px))
    return kept, ambiguous
