"""Integer grid cells for the nearby search: latitude and longitude quantised to ~10 m.

Cells are angular (the same `cell_m / 111_320` degrees on both axes), so a cell is ~10 m tall
and 10 m * cos(lat) wide; the search covers the cells of a radius-sized box, which is a 3x3 or
3x4 block at city latitudes. Indexed (cell_y, cell_x) columns make the search cost depend on the
neighbourhood, not on the table, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from common.geodesy import LatLon, radii_of_curvature_m

METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True, slots=True, order=True)
class GridCell:
    y: int
    x: int

    def lock_key(self) -> int:
        """A signed 64-bit key for a per-cell advisory lock (y in the high half, x in the low half)."""
        key = ((self.y & 0xFFFFFFFF) << 32) | (self.x & 0xFFFFFFFF)
        return key - (1 << 64) if key >= (1 << 63) else key


def cell_of(point: LatLon, cell_m: float) -> GridCell:
    step_deg = cell_m / METRES_PER_DEGREE
    return GridCell(math.floor(point.lat / step_deg), math.floor(point.lon / step_deg))


def cell_ranges(point: LatLon, radius_m: float, cell_m: float) -> tuple[int, int, int, int]:
    """(y_min, y_max, x_min, x_max) inclusive: every cell that a point within radius_m can lie in."""
    meridian_m, normal_m = radii_of_curvature_m(point.lat)
    dlat = math.degrees(radius_m / meridian_m)
    dlon = math.degrees(radius_m / (normal_m * max(math.cos(math.radians(point.lat)), 1e-6)))
    step_deg = cell_m / METRES_PER_DEGREE
    return (
        math.floor((point.lat - dlat) / step_deg),
        math.floor((point.lat + dlat) / step_deg),
        math.floor((point.lon - dlon) / step_deg),
        math.floor((point.lon + dlon) / step_deg),
    )


def cells_covering(point: LatLon, radius_m: float, cell_m: float) -> list[GridCell]:
    """The cells of `cell_ranges`, sorted (lock them in this order so two workers never deadlock)."""
    y0, y1, x0, x1 = cell_ranges(point, radius_m, cell_m)
    return [GridCell(y, x) for y in range(y0, y1 + 1) for x in range(x0, x1 + 1)]
