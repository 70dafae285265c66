"""A SYNTHETIC street grid for demos: no real road network for Hwaseong is available (see PROVENANCE.md).

Every feature says `synthetic: true` and the collection is titled SYNTHETIC so nobody mistakes it for the
city's roads. Streets run east-west and north-south, clipped to a district polygon and cut into one
segment per block, so linear referencing (position along a segment) is meaningful.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from api.layers.frame import LocalFrame

__all__ = ["synthetic_grid"]

SYNTHETIC_SOURCE = "pothole-watch synthetic demo grid: NOT a real road network"


def _road_class(line_index: int, n_lines: int, arterial_every: int, collector_every: int) -> str:
    if line_index == n_lines // 2 or line_index % arterial_every == 0:
        return "arterial"
    if line_index % collector_every == 0:
        return "collector"
    return "local"


def synthetic_grid(
    district_lonlat: BaseGeometry,
    *,
    spacing_m: float = 200.0,
    arterial_every: int = 6,
    collector_every: int = 3,
    district_name: str = "",
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of LineStrings with `road_class` in {arterial, collector, local}."""
    if spacing_m <= 10:
        raise ValueError(f"spacing_m={spacing_m} must be > 10")
    frame = LocalFrame.around(district_lonlat)
    area_m = frame.to_metres(district_lonlat)
    minx, miny, maxx, maxy = area_m.bounds
    xs = np.arange(minx + spacing_m / 2, maxx, spacing_m)
    ys = np.arange(miny + spacing_m / 2, maxy, spacing_m)
    features: list[dict[str, Any]] = []
    streets = [("ns", i, x, LineString([(x, miny), (x, maxy)]), len(xs)) for i, x in enumerate(xs)]
    streets += [("ew", j, y, LineString([(minx, y), (maxx, y)]), len(ys)) for j, y in enumerate(ys)]
    for axis, index, _, street, count in streets:
        road_class = _road_class(index, count, arterial_every, collector_every)
        cuts = ys if axis == "ns" else xs
        clipped = street.intersection(area_m)
        for part in shapely.get_parts(clipped):
            if part.geom_type != "LineString" or part.length < 1.0:
                continue
            coords = list(part.coords)
            along = [c[1] if axis == "ns" else c[0] for c in coords]
            stops = [along[0], *[c for c in cuts if along[0] < c < along[-1]], along[-1]]
            for block, (a, b) in enumerate(zip(stops[:-1], stops[1:], strict=True)):
                if b - a < 1.0:
                    continue
                if axis == "ns":
                    seg = LineString([(coords[0][0], a), (coords[0][0], b)])
                else:
                    seg = LineString([(a, coords[0][1]), (b, coords[0][1])])
                lonlat = frame.to_lonlat(seg)
                name = f"Synthetic {'Avenue' if axis == 'ns' else 'Street'} {index + 1}"
                features.append(
                    {
                        "type": "Feature",
                        "id": f"syn-{axis}{index + 1}-{block + 1}",
                        "geometry": {
                            "type": "LineString",
                            "coordinates": [[round(x, 7), round(y, 7)] for x, y in lonlat.coords],
                        },
                        "properties": {"road_class": road_class, "name": name, "synthetic": True},
                    }
                )
    return {
        "type": "FeatureCollection",
        "name": f"SYNTHETIC street grid{' in ' + district_name if district_name else ''} (demo only)",
        "source": SYNTHETIC_SOURCE,
        "features": features,
    }
