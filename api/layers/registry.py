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
        bounds = shapely.total_bounds([f.geometry_lonlat for f in self.features])
        return (float(bounds[0]), float(bounds[1]), float(bounds[2]), float(bounds[3]))

    def containing(self, lat: float, lon: float) -> list[ParsedFeature]:
        """Area features covering the point (several where simplified boundaries overlap)."""
        point = self.frame.point_m(lat, lon)
        idx = self.tree.query(point, predicate="intersects")
        return [self.features[i] for i in sorted(int(i) for i in idx)]

    def nearest(self, lat: float, lon: float, *, within_m: float, limit: int = 1) -> list[Hit]:
        """Up to `limit` features within `within_m` metres, nearest first."""
        point = self.frame.point_m(lat, lon)
        if limit == 1:
            idx, dist = self.tree.query_nearest(point, max_distance=within_m, return_distance=True)
            pairs = sorted(zip(dist.tolist(), idx.tolist(), strict=True))[:1]
        else:
            idx = self.tree.query(point.buffer(within_m, quad_segs=4))
            pairs = sorted((float(self.geometries_m[i].distance(point)), int(i)) for i in idx.tolist())
            pairs = [p for p in pairs if p[0] <= within_m][:limit]
        return [Hit(self.features[i], d, self.geometries_m[i]) for d, i in pairs]

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
