"""Parse and validate an RFC 7946 FeatureCollection into shapely geometries, repairing what can be repaired.

Every rejection names the feature (index and id) and the problem, because the sender has to find it in a
file of thousands of features. Repairs (self-intersections fixed with `shapely.make_valid`) are reported,
never silent.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from api.errors import LayerTooLargeError, LayerValidationError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_FEATURES",
    "ROAD_CLASS_KEYS",
    "LayerKind",
    "ParsedFeature",
    "ParsedLayer",
    "parse_layer",
    "road_class_of",
]

DEFAULT_MAX_BYTES = 32 * 1024 * 1024
DEFAULT_MAX_FEATURES = 250_000
ROAD_CLASS_KEYS = ("road_class", "class", "highway", "fclass")
_CRS84_NAMES = {
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    "EPSG:4326",
    "urn:ogc:def:crs:EPSG::4326",
}
_KIND_OF_TYPE = {
    "Point": "point",
    "MultiPoint": "point",
    "LineString": "line",
    "MultiLineString": "line",
    "Polygon": "area",
    "MultiPolygon": "area",
}
_MIN_POSITIONS = {"LineString": 2}


class LayerKind(StrEnum):
    AREA = "area"
    LINE = "line"
    POINT = "point"


@dataclass(frozen=True, slots=True)
class ParsedFeature:
    """One feature: `geometry_lonlat` is in WGS84 degrees, x = lon, y = lat (RFC 7946 axis order)."""

    index: int
    feature_id: str
    geometry_lonlat: BaseGeometry
    properties: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ParsedLayer:
    kind: LayerKind
    features: tuple[ParsedFeature, ...]
    title: str | None = None
    source: str | None = None
    repairs: tuple[str, ...] = field(default_factory=tuple)


def _where(index: int, feature: Any) -> str:
    fid = feature.get("id") if isinstance(feature, dict) else None
    return f"features[{index}]" + (f" (id={fid!r})" if fid is not None else "")


def _check_positions(coords: Any, depth: int, where: str, gtype: str) -> list[Any]:
    """Walk nested coordinate arrays: `depth` is 0 for a position, 1 for a list of positions, …

    Returns `coords`, now known to be such an array.
    """
    if not isinstance(coords, list):
        raise LayerValidationError(
            f"{where}: {gtype} coordinates must be arrays, got {type(coords).__name__}"
        )
    if depth == 0:
        if len(coords) not in (2, 3) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in coords
        ):
            raise LayerValidationError(
                f"{where}: a position must be [lon, lat] or [lon, lat, z], got {coords!r}"
            )
        try:
            lon, lat = float(coords[0]), float(coords[1])
        except OverflowError:
            lon = lat = math.inf  # an integer too large for a float is no coordinate either
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise LayerValidationError(f"{where}: position {coords!r} is not finite")
        if not -90.0 <= lat <= 90.0:
            hint = " (it looks like [lat, lon]: RFC 7946 §3.1.1 orders [lon, lat])" if abs(lon) <= 90 else ""
            hint = hint or " (projected coordinates? RFC 7946 requires WGS84 degrees)"
            raise LayerValidationError(f"{where}: latitude {lat} out of range [-90, 90] in {coords!r}{hint}")
        if not -180.0 <= lon <= 180.0:
            raise LayerValidationError(
                f"{where}: longitude {lon} out of range [-180, 180] in {coords!r}"
                " (projected coordinates? RFC 7946 requires WGS84 degrees)"
            )
        return coords
    for item in coords:
        _check_positions(item, depth - 1, where, gtype)
    return coords


_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}


def _check_rings(coords: list[Any], gtype: str, where: str) -> None:
    polygons = [coords] if gtype == "Polygon" else coords
    for polygon in polygons:
        if not polygon:
            raise LayerValidationError(f"{where}: {gtype} has a polygon with no rings")
        for ring in polygon:
            if len(ring) < 4:
                raise LayerValidationError(
                    f"{where}: {gtype} ring has {len(ring)} positions; RFC 7946 needs >= 4"
                )
            if ring[0][:2] != ring[-1][:2]:
                raise LayerValidationError(
                    f"{where}: {gtype} ring is not closed: first {ring[0]!r} != last {ring[-1]!r}"
                )


def _geometry(feature: dict[str, Any], index: int) -> tuple[BaseGeometry, str | None]:
    """Validated shapely geometry plus a repair note (None when the geometry was valid as sent)."""
    where = _where(index, feature)
    geom = feature.get("geometry")
    if geom is None:
        raise LayerValidationError(f"{where}: geometry is null; a layer feature needs a geometry")
    if not isinstance(geom, dict):
        raise LayerValidationError(f"{where}: geometry must be an object, got {type(geom).__name__}")
    gtype = geom.get("type")
    if gtype not in _KIND_OF_TYPE:
        raise LayerValidationError(
            f"{where}: geometry type {gtype!r} is not supported (use one of {', '.join(_KIND_OF_TYPE)})"
        )
    coords = _check_positions(geom.get("coordinates"), _DEPTH[gtype], where, gtype)
    if gtype in ("Polygon", "MultiPolygon"):
        _check_rings(coords, gtype, where)
    parts = coords if gtype.startswith("Multi") else [coords]
    minimum = _MIN_POSITIONS.get(gtype.removeprefix("Multi"), 0)
    if not parts or any(minimum and len(part) < minimum for part in parts):
        raise LayerValidationError(f"{where}: {gtype} needs at least {max(minimum, 1)} positions per part")
    try:
        shp = shape(geom)
    except (ValueError, TypeError, shapely.errors.ShapelyError) as exc:
        raise LayerValidationError(f"{where}: {gtype} cannot be built: {exc}") from exc
    if shp.is_empty:
        raise LayerValidationError(f"{where}: {gtype} is empty")
    if shp.is_valid:
        return shp, None
    reason = shapely.is_valid_reason(shp)
    repaired = _same_dimension(shapely.make_valid(shp), shp.geom_type)
    if repaired.is_empty:
        raise LayerValidationError(
            f"{where}: {gtype} is invalid ({reason}) and degenerate:"
            f" make_valid left no {gtype.removeprefix('Multi')}"
        )
    area_note = ""
    if shp.geom_type.endswith("Polygon") and shp.area > 0:
        area_note = f", area change {abs(repaired.area - shp.area) / shp.area:.3%}"
    return repaired, f"{where}: {gtype} was invalid ({reason}); repaired with make_valid{area_note}"


def _same_dimension(geom: BaseGeometry, original_type: str) -> BaseGeometry:
    """Keep only the original's dimension: make_valid turns a flat polygon into a line, a zero-length line
    into a point, and a bow-tie into a collection; a layer must never change kind behind the sender's back."""
    want = "Polygon" if "Polygon" in original_type else "LineString" if "Line" in original_type else "Point"
    parts = [g for g in shapely.get_parts(geom) if want in g.geom_type]
    if not parts:
        return shapely.Point()
    return parts[0] if len(parts) == 1 else shapely.union_all(parts)


def road_class_of(properties: dict[str, Any]) -> str | None:
    """The road class under any of the common attribute names (ours, OSM `highway`, Geofabrik `fclass`)."""
    for key in ROAD_CLASS_KEYS:
        value = properties.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _feature_id(feature: dict[str, Any], index: int) -> str:
    fid = feature.get("id")
    if isinstance(fid, str | int) and not isinstance(fid, bool):
        return str(fid)
    return str(index)


def _load_json(data: bytes | str | dict[str, Any], max_bytes: int) -> dict[str, Any]:
    if isinstance(data, dict):
        return data
    size = len(data.encode() if isinstance(data, str) else data)
    if size > max_bytes:
        raise LayerTooLargeError(f"body: {size} bytes exceeds the layer cap of {max_bytes} bytes")
    try:
        doc = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise LayerValidationError(f"body: not valid JSON ({exc})") from exc
    if not isinstance(doc, dict):
        raise LayerValidationError(f"body: a GeoJSON object is required, got {type(doc).__name__}")
    return doc


def parse_layer(
    data: bytes | str | dict[str, Any],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_features: int = DEFAULT_MAX_FEATURES,
) -> ParsedLayer:
    """Validate a FeatureCollection (RFC 7946) and detect its kind: area, line (roads) or point."""
    doc = _load_json(data, max_bytes)
    if doc.get("type") != "FeatureCollection":
        raise LayerValidationError(f"type: expected 'FeatureCollection', got {doc.get('type')!r}")
    crs = doc.get("crs")
    if crs is not None:
        name = (crs.get("properties") or {}).get("name") if isinstance(crs, dict) else None
        if name not in _CRS84_NAMES:
            raise LayerValidationError(
                f"crs: {name or crs!r} is not WGS84; RFC 7946 GeoJSON is always WGS84 lon/lat"
                " (drop 'crs' and reproject)"
            )
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        raise LayerValidationError("features: a non-empty array of Feature objects is required")
    if len(features) > max_features:
        raise LayerTooLargeError(f"features: {len(features)} features exceed the cap of {max_features}")
    parsed: list[ParsedFeature] = []
    repairs: list[str] = []
    kind: str | None = None
    first_index: dict[str, int] = {}
    for index, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            got = feature.get("type") if isinstance(feature, dict) else type(feature).__name__
            raise LayerValidationError(f"features[{index}]: expected a 'Feature', got {got!r}")
        props = feature.get("properties")
        if props is not None and not isinstance(props, dict):
            raise LayerValidationError(f"{_where(index, feature)}: properties must be an object or null")
        geom, repair = _geometry(feature, index)
        this_kind = _KIND_OF_TYPE[feature["geometry"]["type"]]
        if kind is None:
            kind = this_kind
        elif this_kind != kind:
            raise LayerValidationError(
                f"{_where(index, feature)}: {feature['geometry']['type']} in a layer of {kind} features; "
                "one layer holds one kind (area, line or point)"
            )
        if repair:
            repairs.append(repair)
        fid = _feature_id(feature, index)
        if fid in first_index:
            raise LayerValidationError(
                f"features[{index}] (id={fid!r}): duplicate id (also features[{first_index[fid]}]);"
                " ids must be unique"
            )
        first_index[fid] = index
        parsed.append(ParsedFeature(index, fid, geom, dict(props or {})))
    assert kind is not None
    if kind == LayerKind.LINE:
        missing = next((f for f in parsed if road_class_of(f.properties) is None), None)
        if missing is not None:
            raise LayerValidationError(
                f"features[{missing.index}] (id={missing.feature_id!r}): a line layer is a road network and "
                f"each road needs a class property (one of {', '.join(ROAD_CLASS_KEYS)})"
            )
    title = doc.get("name") if isinstance(doc.get("name"), str) else None
    source = doc.get("source") if isinstance(doc.get("source"), str) else None
    return ParsedLayer(LayerKind(kind), tuple(parsed), title, source, tuple(repairs))
