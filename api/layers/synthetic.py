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
        block = 0  # numbers the segments of one street across all its clipped parts: ids stay unique
        for part in shapely.get_parts(clipped):
            if part.geom_type != "LineString" or part.length < 1.0:
                continue
            coords = list(part.coords)
            along = sorted(c[1] if axis == "ns" else c[0] for c in coords)
            stops = [along[0], *[c for c in cuts if along[0] < c < along[-1]], along[-1]]
            for a, b in zip(stops[:-1], stops[1:], strict=True):
                if b - a < 1.0:
                    continue
                block += 1
                if axis == "ns":
                    seg = LineString([(coords[0][0], a), (coords[0][0], b)])
                else:
                    seg = LineString([(a, coords[0][1]), (b, coords[0][1])])
                lonlat = frame.to_lonlat(seg)
                name = f"Synthetic {'Avenue' if axis == 'ns' else 'Street'} {index + 1}"
                features.append(
                    {
                        "type": "Feature",
                        "id": f"syn-{axis}{index + 1}-{block}",
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


def main(argv: list[str] | None = None) -> int:
    """`python -m api.layers.synthetic --district 동탄1동 --out roads.geojson` (then PUT it as a layer)."""
    import argparse
    import json
    from pathlib import Path

    from api.layers.geojson import parse_layer

    parser = argparse.ArgumentParser(prog="python -m api.layers.synthetic", description=__doc__)
    parser.add_argument(
        "--districts",
        type=Path,
        default=Path("../shared/layers/hwaseong/hwaseong_emd_sgis2025q2.geojson"),
        help="an area layer with district polygons (GeoJSON)",
    )
    parser.add_argument("--district", required=True, help="district name or code, e.g. 동탄1동 or 31240610")
    parser.add_argument("--spacing-m", type=float, default=200.0, help="street spacing in metres")
    parser.add_argument("--out", type=Path, required=True, help="where to write the GeoJSON")
    args = parser.parse_args(argv)
    if not args.districts.is_file():
        parser.error(f"--districts: {args.districts} does not exist")
    if args.spacing_m <= 10:
        parser.error(f"--spacing-m: {args.spacing_m} must be > 10")
    try:
        layer = parse_layer(args.districts.read_bytes())
    except Exception as exc:
        parser.error(f"--districts: {args.districts}: {exc}")
    match = next(
        (
            f
            for f in layer.features
            if args.district in (str(f.properties.get("name")), str(f.properties.get("code")))
        ),
        None,
    )
    if match is None:
        parser.error(f"--district: {args.district!r} is not a name or code in {args.districts.name}")
    grid = synthetic_grid(
        match.geometry_lonlat, spacing_m=args.spacing_m, district_name=str(match.properties.get("name"))
    )
    args.out.write_text(json.dumps(grid, ensure_ascii=False), encoding="utf-8")
    print(f"{args.out}: {len(grid['features'])} SYNTHETIC road segments in {args.district}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
