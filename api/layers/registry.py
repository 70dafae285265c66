"""Loaded layers in memory: each with its version, a metric frame and an STRtree, swapped atomically.

A `LayerSet` is immutable; a reload builds a new one and replaces the reference, so a request that is
enriching a pothole never sees half a reload.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from api.layers.frame import LocalFrame
from api.layers.geojson import LayerKind, ParsedFeature, ParsedLayer, parse_layer

__all__ = ["Hit", "Layer", "LayerSet", "build_layer", "load_layer_dir", "layer_geojson"]

COORD_DECIMALS = 7  # RFC 7946 §11.2: more than ~1 cm of precision is noise


@dataclass(frozen=True, slots=True)
class Hit:
    feature: ParsedFeature
    distance_m: float
    geometry_m: BaseGeometry


@dataclass(frozen=True, slots=True, eq=False)
class Layer:
    """One validated layer; `geometries_m` are in `frame` metres and indexed by `tree`."""

    name: str
    version: int
    parsed: ParsedLayer
    frame: LocalFrame
    geometries_m: tuple[BaseGeometry, ...]
    tree: STRtree
    sha256: str
    updated_at: datetime
    index_by_id: dict[str, int] = field(default_factory=dict)

    @property
    def kind(self) -> LayerKind:
        return self.parsed.kind

    @property
    def features(self) -> tuple[ParsedFeature, ...]:
        return self.parsed.features

    @property
    def bbox_lonlat(self) -> tuple[float, float, float, float]:
        minx, miny, maxx, maxy = (float(v) for v in shapely.total_bounds(self.tree.geometries))
        kx, ky = self.frame.metres_per_deg
        lon0, lat0 = self.frame.lon0_deg, self.frame.lat0_deg
        return (lon0 + minx / kx, lat0 + miny / ky, lon0 + maxx / kx, lat0 + maxy / ky)

    def points_m(self, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
        """Query points in this layer's metric frame (vectorised; x east, y north)."""
        kx, ky = self.frame.metres_per_deg
        # arrays in, an array out: the stub's ArrayLike overload also allows scalars, hence Point | array
        return shapely.points(  # type: ignore[return-value]
            (lons - self.frame.lon0_deg) * kx, (lats - self.frame.lat0_deg) * ky
        )

    def containing_many(self, lats: np.ndarray, lons: np.ndarray) -> list[list[int]]:
        """Per query point, the indices (ascending) of the area features covering it."""
        found: list[list[int]] = [[] for _ in range(len(lats))]
        pairs = self.tree.query(self.points_m(lats, lons), predicate="intersects")
        for point_i, feature_i in sorted(zip(pairs[0].tolist(), pairs[1].tolist(), strict=True)):
            found[point_i].append(feature_i)
        return found

    def nearest_many(
        self, lats: np.ndarray, lons: np.ndarray, *, within_m: float, limit: int = 1
    ) -> list[list[tuple[float, int]]]:
        """Per query point, up to `limit` (distance_m, feature index) within `within_m`, nearest first.

        Ties in distance go to the lower feature index, so the answer never depends on the tree's layout.
        """
        points = self.points_m(lats, lons)
        pairs = self.tree.query(points, predicate="dwithin", distance=within_m)
        distances = shapely.distance(points[pairs[0]], self.tree.geometries[pairs[1]])
        found: list[list[tuple[float, int]]] = [[] for _ in range(len(lats))]
        for k in np.lexsort((pairs[1], distances, pairs[0])).tolist():
            hits = found[int(pairs[0][k])]
            if len(hits) < limit:
                hits.append((float(distances[k]), int(pairs[1][k])))
        return found

    def containing(self, lat: float, lon: float) -> list[ParsedFeature]:
        """Area features covering the point (several where simplified boundaries overlap)."""
        return [self.features[i] for i in self.containing_many(np.array([lat]), np.array([lon]))[0]]

    def nearest(self, lat: float, lon: float, *, within_m: float, limit: int = 1) -> list[Hit]:
        """Up to `limit` features within `within_m` metres, nearest first."""
        hits = self.nearest_many(np.array([lat]), np.array([lon]), within_m=within_m, limit=limit)[0]
        return [Hit(self.features[i], d, self.geometries_m[i]) for d, i in hits]

    def feature_by_id(self, feature_id: str) -> ParsedFeature | None:
        index = self.index_by_id.get(feature_id)
        return None if index is None else self.features[index]


def _round(coords: Any) -> Any:
    if isinstance(coords, tuple | list):
        if coords and isinstance(coords[0], float | int):
            return [round(float(c), COORD_DECIMALS) for c in coords]
        return [_round(c) for c in coords]
    return coords


def feature_geojson(feature: ParsedFeature) -> dict[str, Any]:
    """RFC 7946 feature: polygons oriented by the right-hand rule, at most 7 decimals."""
    geom = feature.geometry_lonlat
    if geom.geom_type.endswith("Polygon"):
        geom = shapely.orient_polygons(geom, exterior_cw=False)
    geo = mapping(geom)
    return {
        "type": "Feature",
        "id": feature.feature_id,
        "geometry": {"type": geo["type"], "coordinates": _round(geo["coordinates"])},
        "properties": feature.properties,
    }


def layer_geojson(layer: Layer) -> dict[str, Any]:
    doc: dict[str, Any] = {"type": "FeatureCollection", "name": layer.name}
    if layer.parsed.title:
        doc["title"] = layer.parsed.title
    if layer.parsed.source:
        doc["source"] = layer.parsed.source
    doc["version"] = layer.version
    doc["features"] = [feature_geojson(f) for f in layer.features]
    return doc


def build_layer(
    name: str, parsed: ParsedLayer, *, version: int, sha256: str = "", updated_at: datetime | None = None
) -> Layer:
    frame = LocalFrame.around(shapely.GeometryCollection([f.geometry_lonlat for f in parsed.features]))
    geometries_m = tuple(frame.to_metres(f.geometry_lonlat) for f in parsed.features)
    return Layer(
        name=name,
        version=version,
        parsed=parsed,
        frame=frame,
        geometries_m=geometries_m,
        tree=STRtree(geometries_m),
        sha256=sha256,
        updated_at=updated_at or datetime.now(UTC),
        index_by_id={f.feature_id: i for i, f in enumerate(parsed.features)},
    )


@dataclass(frozen=True, slots=True)
class LayerSet:
    """All loaded layers at one revision (the revision changes whenever any layer does)."""

    layers: Mapping[str, Layer] = field(default_factory=dict)
    revision: int = 0

    def of_kind(self, kind: LayerKind) -> list[Layer]:
        return [layer for layer in self.layers.values() if layer.kind == kind]

    def get(self, name: str) -> Layer | None:
        return self.layers.get(name)

    def with_layers(self, layers: Iterable[Layer], revision: int) -> LayerSet:
        merged = dict(self.layers)
        merged.update({layer.name: layer for layer in layers})
        return LayerSet(layers=merged, revision=revision)


def sha256_of(doc: bytes | str | dict[str, Any]) -> str:
    raw = (
        doc
        if isinstance(doc, bytes)
        else (doc.encode() if isinstance(doc, str) else json.dumps(doc).encode())
    )
    return hashlib.sha256(raw).hexdigest()


def load_layer_dir(directory: Path, *, max_bytes: int | None = None) -> list[tuple[str, bytes, ParsedLayer]]:
    """Every `*.geojson` in `directory` (name = file stem), validated; raises on the first bad file."""
    out: list[tuple[str, bytes, ParsedLayer]] = []
    for path in sorted(directory.glob("*.geojson")):
        raw = path.read_bytes()
        kwargs = {"max_bytes": max_bytes} if max_bytes else {}
        try:
            parsed = parse_layer(raw, **kwargs)
        except Exception as exc:
            raise type(exc)(f"{path.name}: {exc}") from exc
        out.append((path.stem, raw, parsed))
    return out
