"""PURE: what is around a pothole. District, nearest road with linear referencing, sensitive sites, areas.

The result is the pothole's `context` (a JSON object stored on the pothole, described in
docs/architecture.md), so it holds plain JSON values only. Distances are metres in each layer's local
frame (see frame.py).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from typing import Any

import numpy as np

from api.layers.geojson import LayerKind, road_class_of
from api.layers.registry import Layer, LayerSet
from api.policy.model import EnrichmentConfig

__all__ = ["choose_district_layer", "enrich", "enrich_many"]

_NAME_KEYS = ("name", "road_name", "NAME", "title")
_CODE_KEYS = ("code", "adm_cd", "ADM_CD", "id")
_MAX_TEXT_CHARS = 80


def _first(props: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((props[k] for k in keys if props.get(k) not in (None, "")), None)


def _scalars(props: dict[str, Any]) -> dict[str, Any]:
    """Attributes worth keeping on a pothole: numbers, flags and short text (no lists, no opaque keys)."""
    return {
        k: v
        for k, v in props.items()
        if isinstance(v, bool | int | float) or (isinstance(v, str) and len(v) <= _MAX_TEXT_CHARS)
    }


def choose_district_layer(layers: LayerSet, config: EnrichmentConfig) -> Layer | None:
    if config.district_layer:
        return layers.get(config.district_layer)
    candidates = [
        layer
        for layer in layers.of_kind(LayerKind.AREA)
        if all(
            _first(f.properties, _CODE_KEYS) is not None and "name" in f.properties for f in layer.features
        )
    ]
    return max(candidates, key=lambda layer: (len(layer.features), layer.name), default=None)


def _district(layer: Layer, feature_i: int | None, distance_m: float, inside: bool) -> dict[str, Any] | None:
    if feature_i is None:
        return None
    props = layer.features[feature_i].properties
    name_eng = next((v for k, v in props.items() if k.startswith("name_eng") and v), None)
    return {
        "layer": layer.name,
        "code": str(_first(props, _CODE_KEYS)),
        "name": props.get("name"),
        "name_eng": name_eng,
        "inside": inside,
        "distance_m": round(distance_m, 1),
    }


def _road(layer: Layer, feature_i: int, distance_m: float, lat: float, lon: float) -> dict[str, Any]:
    props = layer.features[feature_i].properties
    geometry_m = layer.geometries_m[feature_i]
    return {
        "layer": layer.name,
        "id": layer.features[feature_i].feature_id,
        "class": road_class_of(props),
        "name": _first(props, _NAME_KEYS),
        "distance_m": round(distance_m, 1),
        "position_m": round(
            float(geometry_m.project(layer.frame.point_m(lat, lon))), 1
        ),  # linear referencing
        "length_m": round(float(geometry_m.length), 1),
    }


def _kept(layer_name: str, props: dict[str, Any], config: EnrichmentConfig) -> dict[str, Any]:
    """The attributes stored on a pothole: those the config names for this layer, else every short scalar."""
    for pattern, names in config.keep_properties:
        if fnmatch.fnmatch(layer_name, pattern):
            return {k: props[k] for k in names if k in props}
    return _scalars(props)


def _site(layer: Layer, feature_i: int, distance_m: float, config: EnrichmentConfig) -> dict[str, Any]:
    feature = layer.features[feature_i]
    return {
        "id": feature.feature_id,
        "name": feature.properties.get("name"),
        "distance_m": round(distance_m, 1),
        "properties": _kept(layer.name, feature.properties, config),
    }


def _area(layer: Layer, inside: list[int]) -> dict[str, Any]:
    features = [layer.features[i] for i in inside]
    return {
        "inside": bool(features),
        "ids": [f.feature_id for f in features],
        "names": [f.properties.get("name") for f in features if f.properties.get("name") is not None],
    }


def enrich_many(
    points: Sequence[tuple[float, float]], layers: LayerSet, config: EnrichmentConfig | None = None
) -> list[dict[str, Any]]:
    """The `context` of each (lat, lon), with one vectorised STRtree query per layer for all the points."""
    for lat, lon in points:
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            raise ValueError(f"lat={lat} lon={lon}: out of WGS84 range")
    config = config or EnrichmentConfig()
    lats = np.array([p[0] for p in points], dtype=float)
    lons = np.array([p[1] for p in points], dtype=float)
    n = len(points)
    contexts: list[dict[str, Any]] = [
        {"layers_revision": layers.revision, "district": None, "road": None, "nearby": {}, "areas": {}}
        for _ in range(n)
    ]
    district_layer = choose_district_layer(layers, config)
    if district_layer is not None and n:
        inside = district_layer.containing_many(lats, lons)
        missing = [i for i in range(n) if not inside[i]]
        fallback = district_layer.nearest_many(
            lats[missing], lons[missing], within_m=config.district_fallback_m
        )
        nearest_of = dict(zip(missing, fallback, strict=True))
        for i in range(n):
            if inside[i]:  # simplified boundaries may overlap by metres: the first by feature order wins
                contexts[i]["district"] = _district(district_layer, inside[i][0], 0.0, True)
            elif nearest_of[i]:
                distance_m, feature_i = nearest_of[i][0]
                contexts[i]["district"] = _district(district_layer, feature_i, distance_m, False)
    best_road: list[tuple[float, Layer, int] | None] = [None] * n
    for layer in layers.of_kind(LayerKind.LINE):
        for i, hits in enumerate(layer.nearest_many(lats, lons, within_m=config.road_search_m)):
            current = best_road[i]
            if hits and (current is None or hits[0][0] < current[0]):
                best_road[i] = (hits[0][0], layer, hits[0][1])
    for i, road in enumerate(best_road):
        if road is not None:
            contexts[i]["road"] = _road(road[1], road[2], road[0], float(lats[i]), float(lons[i]))
    for layer in layers.of_kind(LayerKind.POINT):
        found = layer.nearest_many(lats, lons, within_m=config.nearby_radius_m, limit=config.nearby_limit)
        for i, hits in enumerate(found):
            contexts[i]["nearby"][layer.name] = [_site(layer, f, d, config) for d, f in hits]
    for layer in layers.of_kind(LayerKind.AREA):
        if layer is not district_layer:
            for i, inside_i in enumerate(layer.containing_many(lats, lons)):
                contexts[i]["areas"][layer.name] = _area(layer, inside_i)
    return contexts


def enrich(
    lat: float, lon: float, layers: LayerSet, config: EnrichmentConfig | None = None
) -> dict[str, Any]:
    """The pothole `context` at (lat, lon) from every loaded layer."""
    return enrich_many([(lat, lon)], layers, config)[0]
