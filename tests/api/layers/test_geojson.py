"""RFC 7946 validation: every rejection names the feature and the problem; repairs are reported."""

from __future__ import annotations

import json
from typing import Any

import pytest

from api.errors import LayerTooLargeError, LayerValidationError
from api.layers.geojson import LayerKind, parse_layer


def fc(*features: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features), **extra}


def point(lon: float, lat: float, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


SQUARE = [[127.0, 37.0], [127.01, 37.0], [127.01, 37.01], [127.0, 37.01], [127.0, 37.0]]
BOWTIE = [[127.0, 37.0], [127.01, 37.01], [127.01, 37.0], [127.0, 37.01], [127.0, 37.0]]


def poly(ring: list[list[float]], fid: str | None = None) -> dict[str, Any]:
    feature: dict[str, Any] = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"name": "a"},
    }
    if fid:
        feature["id"] = fid
    return feature


BAD = [
    ({"type": "Feature"}, "type: expected 'FeatureCollection'"),
    (fc(), "features: a non-empty array"),
    (fc(point(127.0, 37.2), point(37.2, 127.0)), "features[1]: latitude 127.0 out of range"),
    (fc(point(955000.0, 1950000.0)), "projected coordinates?"),
    (fc(point(127.0, 37.2), crs={"type": "name", "properties": {"name": "EPSG:5179"}}), "crs: 'EPSG:5179'"),
    (fc({"type": "Feature", "geometry": None, "properties": {}}), "features[0]: geometry is null"),
    (fc(poly(SQUARE[:-1], fid="dong-7")), "features[0] (id='dong-7'): Polygon ring is not closed"),
    (fc(point(127.0, 37.2), poly(SQUARE)), "features[1]: Polygon in a layer of point features"),
    (
        fc(
            {
                "type": "Feature",
                "properties": {"name": "x"},
                "geometry": {"type": "LineString", "coordinates": [[127.0, 37.0], [127.1, 37.0]]},
            }
        ),
        "needs a class property",
    ),
    (
        fc(
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "LineString", "coordinates": [[127.0, 37.0]]},
            }
        ),
        "needs at least 2 positions",
    ),
    (
        fc(
            point(127.0, 37.2),
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "GeometryCollection", "geometries": []},
            },
        ),
        "features[1]: geometry type 'GeometryCollection' is not supported",
    ),
    (
        fc({"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": ["127", 37]}}),
        "a position must be [lon, lat]",
    ),
    (
        fc({**point(127.0, 37.2), "id": "a"}, {**point(127.1, 37.2), "id": "a"}),
        "features[1] (id='a'): duplicate id (also features[0])",
    ),
]


@pytest.mark.parametrize(
    ("doc", "message"),
    BAD,
    ids=[
        "not-a-collection",
        "empty",
        "lat-lon-swapped",
        "projected",
        "crs",
        "null-geometry",
        "unclosed-ring",
        "mixed-kinds",
        "road-without-class",
        "short-line",
        "geometry-collection",
        "string-coordinate",
        "duplicate-id",
    ],
)
def test_rejection_names_the_feature_and_problem(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(LayerValidationError) as info:
        parse_layer(json.dumps(doc))
    assert message in str(info.value)


def test_not_json_is_a_clear_error() -> None:
    with pytest.raises(LayerValidationError, match="body: not valid JSON"):
        parse_layer(b"{nope")


def test_size_cap_in_bytes_and_features() -> None:
    doc = json.dumps(fc(*[point(127.0 + i * 1e-4, 37.2) for i in range(50)]))
    with pytest.raises(LayerTooLargeError, match="exceeds the layer cap of 100 bytes"):
        parse_layer(doc, max_bytes=100)
    with pytest.raises(LayerTooLargeError, match="50 features exceed the cap of 10"):
        parse_layer(doc, max_features=10)


def test_self_intersecting_polygon_is_repaired_and_reported() -> None:
    parsed = parse_layer(fc(poly(BOWTIE, fid="bow")))
    assert parsed.kind == LayerKind.AREA
    assert parsed.features[0].geometry_lonlat.is_valid
    assert len(parsed.repairs) == 1 and "features[0] (id='bow')" in parsed.repairs[0]
    assert "Self-intersection" in parsed.repairs[0] and "make_valid" in parsed.repairs[0]


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        (
            {"type": "LineString", "coordinates": [[127.0, 37.0], [127.0, 37.0]]},
            "make_valid left no LineString",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[127.0, 37.0], [127.1, 37.0], [127.2, 37.0], [127.0, 37.0]]],
            },
            "make_valid left no Polygon",
        ),
    ],
    ids=["zero-length-line", "flat-polygon"],
)
def test_degenerate_geometry_never_changes_kind(geometry: dict[str, Any], message: str) -> None:
    feature = {"type": "Feature", "properties": {"road_class": "local"}, "geometry": geometry}
    with pytest.raises(LayerValidationError, match=message):
        parse_layer(fc(feature))


def test_kinds_and_road_class_names() -> None:
    road = {
        "type": "Feature",
        "properties": {"highway": "primary"},
        "geometry": {"type": "MultiLineString", "coordinates": [[[127.0, 37.0], [127.1, 37.0]]]},
    }
    assert parse_layer(fc(road)).kind == LayerKind.LINE
    assert parse_layer(fc(point(127.0, 37.2))).kind == LayerKind.POINT
    assert parse_layer(fc(poly(SQUARE))).kind == LayerKind.AREA


def test_real_hwaseong_files_are_valid_rfc7946(hwaseong_layers: Any) -> None:
    kinds = {name: layer.kind for name, layer in hwaseong_layers.layers.items()}
    assert kinds["hwaseong_emd_sgis2025q2"] == LayerKind.AREA
    assert kinds["hwaseong_bus_stops"] == LayerKind.POINT
    assert len(hwaseong_layers.get("hwaseong_bus_stops").features) == 3158
    assert len(hwaseong_layers.get("hwaseong_emd_sgis2025q2").features) == 29
