"""PURE: what is around a pothole. District, nearest road with linear referencing, sensitive sites, areas.

The result is the pothole's `context` (a JSON object stored on the pothole, see docs/CONTRACT.md), so it
holds plain JSON values only. Distances are metres in each layer's local frame (see frame.py).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

from api.layers.geojson import LayerKind, ParsedFeature, road_class_of
from api.layers.registry import Layer, LayerSet

__all__ = ["EnrichmentConfig", "choose_district_layer", "enrich"]

_NAME_KEYS = ("name", "road_name", "NAME", "title")
_CODE_KEYS = ("code", "adm_cd", "ADM_CD", "id")
_MAX_TEXT_CHARS = 80


@dataclass(frozen=True, slots=True)
class EnrichmentConfig:
    """`district_layer` None: the area layer whose features all carry code+name, with the most features."""

    district_layer: str | None = None
    district_fallback_m: float = 200.0
    road_search_m: float = 60.0
    nearby_radius_m: float = 300.0
    nearby_limit: int = 3
    keep_properties: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (layer glob, property names) pairs

    def __post_init__(self) -> None:
        for name in ("district_fallback_m", "road_search_m", "nearby_radius_m"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name}={getattr(self, name)} must be > 0")
        if self.nearby_limit < 1:
            raise ValueError(f"nearby_limit={self.nearby_limit} must be >= 1")


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


def _district(layer: Layer, lat: float, lon: float, config: EnrichmentConfig) -> dict[str, Any] | None:
    inside = layer.containing(lat, lon)
    feature: ParsedFeature | None = None
    distance_m = 0.0
    if inside:
        feature = inside[0]  # simplified boundaries may overlap by metres: the first by code order wins
    else:
        hits = layer.nearest(lat, lon, within_m=config.district_fallback_m)
        if hits:
            feature, distance_m = hits[0].feature, hits[0].distance_m
    if feature is None:
        return None
    props = feature.properties
    name_eng = next((v for k, v in props.items() if k.startswith("name_eng") and v), None)
    return {
        "layer": layer.name,
        "code": str(_first(props, _CODE_KEYS)),
        "name": props.get("name"),
        "name_eng": name_eng,
        "inside": bool(inside),
        "distance_m": round(distance_m, 1),
    }


def _road(layers: list[Layer], lat: float, lon: float, config: EnrichmentConfig) -> dict[str, Any] | None:
    best: tuple[float, Layer, Any] | None = None
    for layer in layers:
        hits = layer.nearest(lat, lon, within_m=config.road_search_m)
        if hits and (best is None or hits[0].distance_m < best[0]):
            best = (hits[0].distance_m, layer, hits[0])
    if best is None:
        return None
    distance_m, layer, hit = best
    point_m = layer.frame.point_m(lat, lon)
    props = hit.feature.properties
    return {
        "layer": layer.name,
        "id": hit.feature.feature_id,
        "class": road_class_of(props),
        "name": _first(props, _NAME_KEYS),
        "distance_m": round(distance_m, 1),
        "position_m": round(
            float(hit.geometry_m.project(point_m)), 1
        ),  # linear referencing along the segment
        "length_m": round(float(hit.geometry_m.length), 1),
    }


def _kept(layer_name: str, props: dict[str, Any], config: EnrichmentConfig) -> dict[str, Any]:
    """The attributes stored on a pothole: those the config names for this layer, else every short scalar."""
    for pattern, names in config.keep_properties:
        if fnmatch.fnmatch(layer_name, pattern):
            return {k: props[k] for k in names if k in props}
    return _scalars(props)


def _nearby(layer: Layer, lat: float, lon: float, config: EnrichmentConfig) -> list[dict[str, Any]]:
    hits = layer.nearest(lat, lon, within_m=config.nearby_radius_m, limit=config.nearby_limit)
    return [
        {
            "id": hit.feature.feature_id,
            "name": hit.feature.properties.get("name"),
            "distance_m": round(hit.distance_m, 1),
            "properties": _kept(layer.name, hit.feature.properties, config),
        }
        for hit in hits
    ]


def _area(layer: Layer, lat: float, lon: float) -> dict[str, Any]:
    inside = layer.containing(lat, lon)
    return {
        "inside": bool(inside),
        "ids": [f.feature_id for f in inside],
        "names": [f.properties.get("name") for f in inside if f.properties.get("name") is not None],
    }


def enrich(
    lat: float, lon: float, layers: LayerSet, config: EnrichmentConfig | None = None
) -> dict[str, Any]:
    """The pothole `context` at (lat, lon) from every loaded layer."""
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise ValueError(f"lat={lat} lon={lon}: out of WGS84 range")
    config = config or EnrichmentConfig()
    district_layer = choose_district_layer(layers, config)
    return {
        "layers_revision": layers.revision,
        "district": _district(district_layer, lat, lon, config) if district_layer else None,
        "road": _road(layers.of_kind(LayerKind.LINE), lat, lon, config),
        "nearby": {layer.name: _nearby(layer, lat, lon, config) for layer in layers.of_kind(LayerKind.POINT)},
        "areas": {
            layer.name: _area(layer, lat, lon)
            for layer in layers.of_kind(LayerKind.AREA)
            if layer is not district_layer
        },
    }
